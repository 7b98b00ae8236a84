/**
 * The real process: the server runs sandboxed unless told otherwise, `proxy permissions` prints what it
 * runs with, and SIGTERM lets streams finish within SHUTDOWN_GRACE_SECONDS, saves usage and exits 0 (a
 * second signal at once).
 */
import assert from "node:assert/strict";
import { chatCompletionChunks, sseResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { type ProxyProcess, runProxyCommand, startProxy } from "../helpers/proxy_process.ts";
import { eventually } from "../helpers/wait.ts";

const KEY = "sk-shutdown-test-0123456789";

function streamChat(proxy: ProxyProcess): Promise<Response> {
  return fetch(`${proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${proxy.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "openai/gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: "count" }],
    }),
  });
}

/** Read a stream to its end (or its cut), as text. */
async function readAll(response: Response): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body!) text += decoder.decode(chunk, { stream: true });
  } catch { /* cut */ }
  return text;
}

Deno.test("serve runs sandboxed by default; --sandbox=off says loudly that it is off", async () => {
  const upstream = startFakeUpstream();
  try {
    const env = { OPENAI_API_KEY: KEY, OPENAI_API_BASE: upstream.baseUrl };
    const sandboxed = await startProxy({ env });
    const response = await fetch(`${sandboxed.url}/v1/models`, {
      headers: { authorization: `Bearer ${sandboxed.apiKey}` },
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    await sandboxed.stop();
    assert.doesNotMatch(sandboxed.output(), /SANDBOX OFF/);
    const open = await startProxy({ env, args: ["--sandbox", "off"] });
    await open.stop();
    assert.match(open.output(), /SANDBOX OFF/);
  } finally {
    await upstream.close();
  }
});

Deno.test("proxy permissions prints the configured provider's host and not the others", async () => {
  const dataDir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dataDir}/.env`,
    `OPENAI_API_KEY=${KEY}\nMYLOCAL_API_BASE=http://10.1.2.3:4567/v1\nMYLOCAL_API_KEY=anything-at-all-1234\n`,
  );
  const result = await runProxyCommand(["permissions", "--json", "--data-dir", dataDir]);
  assert.equal(result.code, 0, result.stderr);
  const permissions = JSON.parse(result.stdout);
  assert.ok(permissions.net.includes("api.openai.com:443"));
  assert.ok(permissions.net.includes("10.1.2.3:4567"));
  assert.ok(!permissions.net.some((entry: string) => entry.startsWith("api.groq.com")));
  assert.deepEqual(permissions.read, [dataDir]);
  assert.equal(permissions.env, false);
  assert.equal(permissions.run, false);
});

Deno.test("SIGTERM: a stream in flight finishes within the grace, usage is saved, the exit code is 0", async () => {
  const upstream = startFakeUpstream(() =>
    sseResponse(chatCompletionChunks("gpt-4o-mini", ["one ", "two ", "three ", "four ", "five"]), 250)
  );
  try {
    const proxy = await startProxy({
      env: { OPENAI_API_KEY: KEY, OPENAI_API_BASE: upstream.baseUrl, SHUTDOWN_GRACE_SECONDS: "20" },
    });
    const response = await streamChat(proxy);
    assert.equal(response.status, 200);
    await eventually(() => upstream.requests.length === 1 ? true : undefined, { what: "the upstream call" });
    const exited = proxy.stop("SIGTERM");
    const text = await readAll(response);
    assert.match(text, /five/);
    assert.match(text, /\[DONE\]/);
    const status = await exited;
    assert.equal(status.code, 0, proxy.output());
    const saved = JSON.parse(await Deno.readTextFile(`${proxy.dataDir}/usage/usage_openai.json`));
    const [credential] = Object.values(saved.credentials) as Array<
      { scopes: Record<string, { usage: { totals: { requests: number } } }> }
    >;
    assert.equal(credential.scopes["gpt-4o-mini"].usage.totals.requests, 1);
  } finally {
    await upstream.close();
  }
});

/** A proxy whose upstream streams for 20 s, with one such stream in flight. */
async function streamingFor20Seconds(graceSeconds: string) {
  const upstream = startFakeUpstream(() =>
    sseResponse(
      chatCompletionChunks("gpt-4o-mini", Array.from({ length: 40 }, (_, index) => `${index} `)),
      500,
    )
  );
  const proxy = await startProxy({
    env: { OPENAI_API_KEY: KEY, OPENAI_API_BASE: upstream.baseUrl, SHUTDOWN_GRACE_SECONDS: graceSeconds },
  });
  const response = await streamChat(proxy);
  await eventually(() => upstream.requests.length === 1 ? true : undefined, { what: "the upstream call" });
  return { upstream, proxy, response };
}

Deno.test("SIGTERM: streams still open after SHUTDOWN_GRACE_SECONDS are cut and the proxy exits 0", async () => {
  const { upstream, proxy, response } = await streamingFor20Seconds("1");
  try {
    const startedAt = Date.now();
    const status = await proxy.stop("SIGTERM");
    assert.equal(status.code, 0, proxy.output());
    assert.ok(Date.now() - startedAt < 10_000, "exited long before the 20 s stream would have ended");
    await readAll(response);
  } finally {
    await upstream.close();
  }
});

Deno.test("a second signal stops the proxy at once", async () => {
  const { upstream, proxy, response } = await streamingFor20Seconds("60");
  try {
    const first = proxy.stop("SIGTERM");
    await eventually(() => /shutting down/.test(proxy.output()) ? true : undefined, {
      what: "the first signal",
    });
    const startedAt = Date.now();
    const second = proxy.stop("SIGTERM");
    const status = await Promise.race([first, second]);
    assert.notEqual(status.code, 0);
    assert.ok(Date.now() - startedAt < 10_000, "the second signal did not wait for the 60 s grace");
    await readAll(response);
  } finally {
    await upstream.close();
  }
});
