/**
 * The real process, sandboxed: a provider added to `.env` on a host the server could not reach gets it
 * after a reload (SIGHUP or `POST /v1/admin/reload`), a stream in flight across the reload completes,
 * a reload that only changes a key restarts nothing, and a broken `.env` leaves the server as it was.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  chatCompletionChunks,
  defaultOpenAIHandler,
  type FakeUpstream,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy } from "../helpers/proxy_process.ts";
import { eventually } from "../helpers/wait.ts";

const KEY_A = "sk-reload-upstream-a-0123456789";

/** The same upstream named `localhost` instead of 127.0.0.1: another host for the sandbox. */
function viaLocalhost(upstream: FakeUpstream): string {
  return upstream.baseUrl.replace("127.0.0.1", "localhost");
}

/** Streams send their first words, then wait for `release()`. */
function gatedStreams(upstream: FakeUpstream): { release(): void } {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => release = resolve);
  upstream.setHandler((request) => {
    if (request.json?.stream !== true) return defaultOpenAIHandler(request);
    const events = chatCompletionChunks(String(request.json.model), ["before ", "after"]);
    const encoder = new TextEncoder();
    return new Response(
      new ReadableStream({
        async start(controller) {
          controller.enqueue(encoder.encode(events.slice(0, 2).join("")));
          await released;
          for (const event of events.slice(2)) controller.enqueue(encoder.encode(event));
          controller.close();
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  });
  return { release };
}

Deno.test("serve: providers added to .env on new hosts work after SIGHUP and /v1/admin/reload", async () => {
  const upstreamA = startFakeUpstream();
  const upstreamB = startFakeUpstream();
  const upstreamC = startFakeUpstream();
  const gate = gatedStreams(upstreamA);
  const providerA = [`OPENAI_API_KEY=${KEY_A}`, `OPENAI_API_BASE=${upstreamA.baseUrl}`];
  const providerB = ["MYLOCAL_API_KEY=sk-mylocal-0123456789", `MYLOCAL_API_BASE=${viaLocalhost(upstreamB)}`];
  const proxy = await startProxy({ envFile: providerA.join("\n") + "\n" });
  const writeEnv = (lines: string[]) => Deno.writeTextFile(`${proxy.dataDir}/.env`, lines.join("\n") + "\n");
  const headers = { authorization: `Bearer ${proxy.apiKey}` };
  // One retry, as the SDK's default does more: a connection racing a handover's close is reset.
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.apiKey, maxRetries: 1 });
  const ownConnection = Deno.createHttpClient({});
  const streamingClient = new OpenAI({
    baseURL: `${proxy.url}/v1`,
    apiKey: proxy.apiKey,
    maxRetries: 0,
    fetch: (input: string | URL | Request, init?: RequestInit) =>
      fetch(input, { ...init, client: ownConnection }),
  });
  try {
    const before = await client.chat.completions.create({
      model: "mylocal/some-model",
      messages: [{ role: "user", content: "hi" }],
    }).catch((error: InstanceType<typeof OpenAI.APIError>) => error);
    assert.ok(before instanceof OpenAI.APIError && before.status === 404, String(before));

    // A stream through provider A is in flight while the configuration gains provider B (SIGHUP). It has a
    // connection of its own: the old Worker closes it once the stream ends, and a request racing that close
    // would need the client's usual retry.
    const stream = await streamingClient.chat.completions.create({
      model: "openai/gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: "count" }],
    });
    const chunks = stream[Symbol.asyncIterator]();
    let text = "";
    while (!text.includes("before")) text += (await chunks.next()).value?.choices[0]?.delta.content ?? "";
    await writeEnv([...providerA, ...providerB]);
    proxy.signal("SIGHUP");
    await eventually(
      () => /reloaded the configuration \(new server Worker\)/.test(proxy.output()) || undefined,
      {
        what: "the reload",
        timeoutMs: 30_000,
      },
    );
    assert.match(proxy.output(), /net \+ localhost:\d+/);
    const afterSignal = await client.chat.completions.create({
      model: "mylocal/some-model",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(afterSignal.choices[0].message.content, "Hello, world");
    assert.equal(upstreamB.requests.length, 1);

    gate.release();
    for (let chunk = await chunks.next(); !chunk.done; chunk = await chunks.next()) {
      text += chunk.value.choices[0]?.delta.content ?? "";
    }
    assert.equal(text, "before after");

    // Provider C on yet another port, through the admin endpoint.
    const providerC = ["THIRD_API_KEY=sk-third-0123456789", `THIRD_API_BASE=${viaLocalhost(upstreamC)}`];
    await writeEnv([...providerA, ...providerB, ...providerC]);
    const reload = await fetch(`${proxy.url}/v1/admin/reload`, { method: "POST", headers });
    assert.equal(reload.status, 200);
    const reloaded = await reload.json();
    assert.equal(reloaded.restarted, true);
    assert.deepEqual(reloaded.providers.added, ["third"]);
    const third = await client.chat.completions.create({
      model: "third/some-model",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(third.choices[0].message.content, "Hello, world");

    // Only a key changes: applied in place.
    const rotated = [
      "THIRD_API_KEY=sk-third-rotated-0123456789",
      `THIRD_API_BASE=${viaLocalhost(upstreamC)}`,
    ];
    await writeEnv([...providerA, ...providerB, ...rotated]);
    const keyOnly = await (await fetch(`${proxy.url}/v1/admin/reload`, { method: "POST", headers })).json();
    assert.equal(keyOnly.restarted, false);
    assert.deepEqual(keyOnly.providers, { added: [], removed: [], changed: ["third"] });
    await client.chat.completions.create({
      model: "third/some-model",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(
      upstreamC.requests.at(-1)?.headers.get("authorization"),
      "Bearer sk-third-rotated-0123456789",
    );

    // A broken `.env`: a clear error in the client's format, and the server keeps running as it was.
    await writeEnv([...providerA, "OPENAI_API_BASE=not a url"]);
    const broken = await fetch(`${proxy.url}/v1/admin/reload`, { method: "POST", headers });
    assert.equal(broken.status, 400);
    const error = await broken.json();
    assert.equal(error.error.code, "invalid_configuration");
    assert.match(error.error.message, /OPENAI_API_BASE/);
    await client.chat.completions.create({
      model: "third/some-model",
      messages: [{ role: "user", content: "hi" }],
    });

    const status = await proxy.stop();
    assert.equal(status.code, 0, proxy.output());
    assert.doesNotMatch(proxy.output(), /sk-third-rotated-0123456789|sk-mylocal-0123456789/);
  } finally {
    gate.release();
    await proxy.stop();
    ownConnection.close();
    await Promise.all([upstreamA.close(), upstreamB.close(), upstreamC.close()]);
  }
});

Deno.test("serve --sandbox=off: a reload applies providers in place and names the settings left for a restart", async () => {
  const upstreamA = startFakeUpstream();
  const upstreamB = startFakeUpstream();
  const providerA = [`OPENAI_API_KEY=${KEY_A}`, `OPENAI_API_BASE=${upstreamA.baseUrl}`];
  const proxy = await startProxy({ envFile: providerA.join("\n") + "\n", args: ["--sandbox", "off"] });
  const headers = { authorization: `Bearer ${proxy.apiKey}` };
  try {
    await Deno.writeTextFile(
      `${proxy.dataDir}/.env`,
      [
        ...providerA,
        "MYLOCAL_API_KEY=sk-mylocal-0123456789",
        `MYLOCAL_API_BASE=${viaLocalhost(upstreamB)}`,
        "GLOBAL_TIMEOUT=45",
      ].join("\n") + "\n",
    );
    const reloaded = await (await fetch(`${proxy.url}/v1/admin/reload`, { method: "POST", headers })).json();
    assert.equal(reloaded.restarted, false);
    assert.deepEqual(reloaded.providers.added, ["mylocal"]);
    assert.deepEqual(reloaded.pending, ["globalTimeoutMs"]);
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.apiKey, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: "mylocal/some-model",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(answer.choices[0].message.content, "Hello, world");
  } finally {
    await proxy.stop();
    await Promise.all([upstreamA.close(), upstreamB.close()]);
  }
});
