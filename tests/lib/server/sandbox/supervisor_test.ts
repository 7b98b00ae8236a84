/**
 * The sandboxed server across reloads: a provider added on a new host gets a new Worker that may reach
 * it (the old one could not, and applying the providers in place is not enough), a stream in flight
 * across the handover completes, hosts never configured stay refused, and a reload that only changes
 * keys restarts nothing.
 */
import assert from "node:assert/strict";
import { loadConfig, type ProxyConfig } from "../../../../lib/config/mod.ts";
import { reusePortAvailable, startSandboxedServer } from "../../../../lib/server/sandbox/host.ts";
import { sandboxNeeds } from "../../../../lib/server/sandbox/needs.ts";
import { sandboxPermissions } from "../../../../lib/server/sandbox/permissions.ts";
import { superviseSandbox } from "../../../../lib/server/sandbox/supervisor.ts";
import { createLogger } from "../../../../lib/log/logger.ts";
import { resolveProviders } from "../../../../providers/mod.ts";
import {
  chatCompletionChunks,
  defaultOpenAIHandler,
  type FakeUpstream,
  startFakeUpstream,
} from "../../../helpers/fake_upstream.ts";
import { freePort } from "../../../helpers/redis_server.ts";
import { eventually } from "../../../helpers/wait.ts";

const PROXY_KEY = "sk-proxy-reload-0123456789";
const KEY_A = "sk-upstream-a-0123456789abcdef";

/** The same upstream named `localhost` instead of 127.0.0.1: another host for the sandbox. */
function viaLocalhost(upstream: FakeUpstream): string {
  return upstream.baseUrl.replace("127.0.0.1", "localhost");
}

/** A data directory whose `.env` the test rewrites, and a loader that reads it as `serve` does. */
async function configuration(port: number) {
  const dataDir = await Deno.makeTempDir({ prefix: "proxy-reload-" });
  const write = (lines: string[]) =>
    Deno.writeTextFile(`${dataDir}/.env`, [`PROXY_API_KEY=${PROXY_KEY}`, ...lines].join("\n") + "\n");
  const load = async (): Promise<ProxyConfig> =>
    (await loadConfig({ host: "127.0.0.1", port: String(port), dataDir }, {
      env: { PROXY_LOG_LEVEL: "error", SHUTDOWN_GRACE_SECONDS: "30" },
      cwd: dataDir,
    })).config;
  return { dataDir, write, load };
}

/**
 * The permissions `serve` computes, less the OAuth vendors' hosts, which this test process (allowed only
 * loopback hosts) cannot grant its Workers.
 */
function permissionsOf(config: ProxyConfig) {
  const needs = sandboxNeeds(config, resolveProviders(config.providers));
  const loopback = (url: string) => ["127.0.0.1", "localhost"].includes(new URL(url).hostname);
  return sandboxPermissions({ ...needs, upstreams: needs.upstreams.filter(loopback) });
}

/**
 * A chat call retried once on a connection error, as the SDKs do: a connection the kernel queued on the old
 * Worker's socket in the instant it closes is reset (SO_REUSEPORT hands over the port, not its queue).
 */
async function chat(url: string, model: string, stream = false, client?: Deno.HttpClient): Promise<Response> {
  const send = () =>
    fetch(`${url}/v1/chat/completions`, {
      ...(client ? { client } : {}),
      method: "POST",
      headers: { authorization: `Bearer ${PROXY_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
    });
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return await send();
  }
}

/** An upstream whose streams send their first chunk and wait for `release()` before the rest. */
function gatedStreams(upstream: FakeUpstream): { release(): void } {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => release = resolve);
  upstream.setHandler((request) => {
    if (request.json?.stream !== true) return defaultOpenAIHandler(request);
    const events = chatCompletionChunks(String(request.json.model), ["before ", "after"]);
    // The role chunk and "before " go out at once; "after", the end and [DONE] wait for the gate.
    const first = events.slice(0, 2).join("");
    const rest = events.slice(2);
    const encoder = new TextEncoder();
    return new Response(
      new ReadableStream({
        async start(controller) {
          controller.enqueue(encoder.encode(first));
          await released;
          for (const event of rest) controller.enqueue(encoder.encode(event));
          controller.close();
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  });
  return { release };
}

/** Start with provider A only, stream through it, add provider B on another host, reload. */
async function providerOnNewHost(reusePort: boolean): Promise<void> {
  const upstreamA = startFakeUpstream();
  const upstreamB = startFakeUpstream();
  const never = startFakeUpstream();
  const port = await freePort();
  const { write, load } = await configuration(port);
  await write([`OPENAI_API_KEY=${KEY_A}`, `OPENAI_API_BASE=${upstreamA.baseUrl}`]);
  const supervisor = await superviseSandbox(await load(), {
    loadConfig: load,
    permissionsOf,
    logger: createLogger("error"),
    reusePort,
  });
  const gate = gatedStreams(upstreamA);
  const streamClient = Deno.createHttpClient({});
  try {
    assert.equal((await supervisor.probe({ url: viaLocalhost(upstreamB) })).fetch, "NotCapable");

    // A stream is in flight through the first Worker while the configuration gains provider B.
    // On a connection of its own: once the stream ends, the old Worker closes it (keep-alive connections
    // racing that close are the client's usual retry), and the other requests here go to the new one.
    const streaming = await chat(supervisor.url, "openai/gpt-4o-mini", true, streamClient);
    assert.equal(streaming.status, 200);
    const reader = streaming.body!.pipeThrough(new TextDecoderStream()).getReader();
    let head = "";
    while (!/before/.test(head)) head += (await reader.read()).value ?? "";

    await write([
      `OPENAI_API_KEY=${KEY_A}`,
      `OPENAI_API_BASE=${upstreamA.baseUrl}`,
      "MYLOCAL_API_KEY=sk-mylocal-0123456789",
      `MYLOCAL_API_BASE=${viaLocalhost(upstreamB)}`,
    ]);
    const result = await supervisor.reload();
    assert.equal(result.restarted, true);
    assert.deepEqual(result.providers.added, ["mylocal"]);
    assert.equal(supervisor.url, `http://127.0.0.1:${port}`);

    const answer = await chat(supervisor.url, "mylocal/some-model");
    assert.equal(answer.status, 200, await answer.clone().text());
    await answer.body?.cancel();
    assert.equal(upstreamB.requests.length, 1);
    assert.equal((await supervisor.probe({ url: viaLocalhost(upstreamB) })).fetch, "ok");
    const neverConfigured = never.origin.replace("127.0.0.1", "localhost");
    assert.equal((await supervisor.probe({ url: neverConfigured })).fetch, "NotCapable");

    // The stream that started before the reload ends normally on the old Worker.
    gate.release();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += chunk.value;
    assert.match(rest, /after/);
    assert.match(rest, /\[DONE\]/);
    // The new Worker loaded the pools before that stream ended; what the old one counted while draining
    // is handed over and joins its pools.
    await eventually(async () => (await openaiRequests(supervisor.url)) === 1 || undefined, {
      what: "the drained stream's usage in the new Worker",
      timeoutMs: 10_000,
    });
  } finally {
    gate.release();
    await supervisor.shutdown(5_000);
    streamClient.close();
    await Promise.all([upstreamA.close(), upstreamB.close(), never.close()]);
  }
}

Deno.test("superviseSandbox().reload(): a provider on a new host gets a new Worker that may reach it", async () => {
  // Linux: the old and the new Worker share the port for a moment (SO_REUSEPORT).
  await providerOnNewHost(reusePortAvailable());
});

Deno.test("superviseSandbox().reload(): without a shared port the old Worker lets it go first", async () => {
  await providerOnNewHost(false);
});

/** Requests counted on the openai pool's credentials, as `/v1/quota-stats` shows them. */
async function openaiRequests(url: string): Promise<number> {
  const response = await fetch(`${url}/v1/quota-stats?provider=openai`, {
    headers: { authorization: `Bearer ${PROXY_KEY}` },
  });
  const stats = await response.json();
  return (stats.providers.openai.credentials as Array<{ totals: { requests: number } }>)
    .reduce((total, credential) => total + credential.totals.requests, 0);
}

Deno.test("superviseSandbox().reload(): new keys on granted hosts are applied in place, nothing restarts", async () => {
  const upstream = startFakeUpstream();
  const port = await freePort();
  const { write, load } = await configuration(port);
  await write([`OPENAI_API_KEY=${KEY_A}`, `OPENAI_API_BASE=${upstream.baseUrl}`]);
  const supervisor = await superviseSandbox(await load(), {
    loadConfig: load,
    permissionsOf,
    logger: createLogger("error"),
    reusePort: reusePortAvailable(),
  });
  try {
    const probeFile = `${(await load()).dataDir}/marker.txt`;
    await Deno.writeTextFile(probeFile, "x");
    // A second custom provider on the same host and port needs no new permission either.
    await write([
      "OPENAI_API_KEY=sk-upstream-a-rotated-0123456789",
      `OPENAI_API_BASE=${upstream.baseUrl}`,
      "SAMEHOST_API_KEY=sk-samehost-0123456789",
      `SAMEHOST_API_BASE=${upstream.baseUrl}`,
    ]);
    const result = await supervisor.reload();
    assert.equal(result.restarted, false);
    assert.deepEqual(result.providers, { added: ["samehost"], removed: [], changed: ["openai"] });
    for (const model of ["openai/gpt-4o-mini", "samehost/some-model"]) {
      const answer = await chat(supervisor.url, model);
      assert.equal(answer.status, 200, await answer.clone().text());
      await answer.body?.cancel();
    }
    assert.deepEqual(
      upstream.requests.map((request) => request.headers.get("authorization")),
      ["Bearer sk-upstream-a-rotated-0123456789", "Bearer sk-samehost-0123456789"],
    );
  } finally {
    await supervisor.shutdown(5_000);
    await upstream.close();
  }
});

Deno.test("startSandboxedServer().reconfigure(): providers applied in place cannot reach a host not granted", async () => {
  // Why a reload that adds a host starts a new Worker: the running one's permissions are fixed.
  const upstreamA = startFakeUpstream();
  const upstreamB = startFakeUpstream();
  const port = await freePort();
  const { write, load } = await configuration(port);
  await write([`OPENAI_API_KEY=${KEY_A}`, `OPENAI_API_BASE=${upstreamA.baseUrl}`]);
  const config = await load();
  const server = await startSandboxedServer(config, { permissions: permissionsOf(config) });
  try {
    await write([
      `OPENAI_API_KEY=${KEY_A}`,
      `OPENAI_API_BASE=${upstreamA.baseUrl}`,
      "MYLOCAL_API_KEY=sk-mylocal-0123456789",
      `MYLOCAL_API_BASE=${viaLocalhost(upstreamB)}`,
    ]);
    const result = await server.reconfigure(await load());
    assert.deepEqual(result.providers.added, ["mylocal"]);
    const answer = await chat(server.url, "mylocal/some-model");
    assert.notEqual(answer.status, 200);
    await answer.body?.cancel();
    assert.equal(upstreamB.requests.length, 0);
  } finally {
    await server.shutdown(1_000);
    await Promise.all([upstreamA.close(), upstreamB.close()]);
  }
});
