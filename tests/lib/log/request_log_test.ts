import assert from "node:assert/strict";
import { createLogger } from "../../../lib/log/logger.ts";
import { loggingFetch } from "../../../lib/log/logging_fetch.ts";
import { runInRequest } from "../../../lib/log/request_context.ts";
import { RequestLogStore } from "../../../lib/log/request_log.ts";
import { EventHub } from "../../../lib/rotator/events.ts";

const UPSTREAM_KEY = "sk-upstream-secret-key-000000000077";

function scrubber() {
  const logger = createLogger("error", () => {});
  logger.addSecrets([UPSTREAM_KEY]);
  return logger.redact;
}

Deno.test("RequestLogStore writes a request's folder: request, upstream call as sent and received, answer, metadata", async () => {
  const dir = await Deno.makeTempDir({ prefix: "request-log-test-" });
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response('data: {"x":1}\n\ndata: [DONE]\n\n', { headers: { "content-type": "text/event-stream" } }),
  );
  try {
    const store = new RequestLogStore({
      directory: `${dir}/requests`,
      maxFileBytes: 100_000,
      maxTotalBytes: 1_000_000,
      scrub: scrubber(),
    });
    const hub = new EventHub({ schedule: () => {} });
    hub.subscribe(store.observe);
    const log = store.open("req-1", {
      method: "POST",
      path: "/v1/chat/completions",
      headers: new Headers({ authorization: "Bearer sk-proxy-client-000000000001" }),
      body: JSON.stringify({ model: "openai/gpt-4o", stream: true, api_key: "sk-smuggled-0000000000" }),
    });
    const fetch = loggingFetch(globalThis.fetch, { requestLogs: store });
    await runInRequest("req-1", async () => {
      const response = await fetch(`http://127.0.0.1:${upstream.addr.port}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
        body: JSON.stringify({ model: "gpt-4o", stream: true }),
      });
      assert.equal(await response.text(), 'data: {"x":1}\n\ndata: [DONE]\n\n');
    });
    const facts = {
      requestId: "req-1",
      frontDoor: "openai" as const,
      provider: "openai",
      model: "gpt-4o",
      credentialId: "c",
      credentialLabel: "…0077",
      attempt: 1,
      stream: true,
    };
    hub.emit({ type: "attempt-start", atMs: 0, ...facts });
    log.appendResponseBody('data: {"x":1}\n\n');
    log.appendResponseBody("data: [DONE]\n\n");
    log.finish({
      status: 200,
      headers: new Headers({ "content-type": "text/event-stream" }),
      ttfbMs: 5,
      durationMs: 9,
    });
    // The attempt's end arrives after the answer ended (events are delivered later): metadata follows it.
    hub.emit({
      type: "attempt-end",
      atMs: 9,
      ...facts,
      outcome: "success",
      status: 200,
      ttfbMs: 3,
      durationMs: 8,
      tokens: { promptTokens: 10, completionTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
      costUsd: 0.5,
    });
    hub.flush();
    await store.flush();

    const files = [...Deno.readDirSync(log.folder)].map((entry) => entry.name).sort();
    assert.deepEqual(files, [
      "metadata.json",
      "request.json",
      "response.json",
      "response_body.txt",
      "upstream_1_body.txt",
      "upstream_1_request.json",
      "upstream_1_response.json",
    ]);
    const request = JSON.parse(Deno.readTextFileSync(`${log.folder}/request.json`));
    assert.equal(request.body.api_key, "[redacted]");
    assert.equal(request.headers.authorization, "Bearer …0001");
    const sent = JSON.parse(Deno.readTextFileSync(`${log.folder}/upstream_1_request.json`));
    assert.deepEqual(sent.body, { model: "gpt-4o", stream: true });
    assert.equal(sent.headers.authorization, "Bearer …0077");
    assert.equal(
      Deno.readTextFileSync(`${log.folder}/upstream_1_body.txt`),
      'data: {"x":1}\n\ndata: [DONE]\n\n',
    );
    const metadata = JSON.parse(Deno.readTextFileSync(`${log.folder}/metadata.json`));
    assert.equal(metadata.status, 200);
    assert.equal(metadata.ttfb_ms, 5);
    assert.equal(metadata.provider, "openai");
    assert.equal(metadata.key, "…0077");
    assert.equal(metadata.cost_usd, 0.5);
    assert.deepEqual(metadata.tokens, {
      promptTokens: 10,
      completionTokens: 2,
      cachedTokens: 0,
      reasoningTokens: 0,
    });
    assert.equal(metadata.attempts.length, 1);
    assert.equal(metadata.attempts[0].outcome, "success");
    for (const name of files) {
      assert.doesNotMatch(
        Deno.readTextFileSync(`${log.folder}/${name}`),
        /sk-upstream-secret|sk-smuggled|sk-proxy-client/,
      );
    }
  } finally {
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RequestLogStore caps each file and removes the oldest folders past the total cap", async () => {
  const dir = await Deno.makeTempDir({ prefix: "request-log-cap-test-" });
  try {
    // A folder left by an earlier run counts towards the cap and goes first.
    await Deno.mkdir(`${dir}/requests/0000-old`, { recursive: true });
    await Deno.writeTextFile(`${dir}/requests/0000-old/metadata.json`, "x".repeat(900));
    const store = new RequestLogStore({
      directory: `${dir}/requests`,
      maxFileBytes: 1_000,
      maxTotalBytes: 3_000,
      scrub: (text) => text,
    });
    const folders: string[] = [];
    for (let index = 0; index < 6; index++) {
      const log = store.open(`r${index}`, {
        method: "POST",
        path: "/v1/messages",
        headers: new Headers(),
        body: "",
      });
      log.appendResponseBody("y".repeat(700));
      log.appendResponseBody("y".repeat(700));
      folders.push(log.folder);
      await log.flush();
    }
    await store.flush();
    const left = [...Deno.readDirSync(`${dir}/requests`)].map((entry) => entry.name);
    assert.ok(!left.includes("0000-old"));
    assert.ok(left.length < 6 && left.length >= 2, `kept ${left.length}`);
    assert.ok(left.some((name) => folders.at(-1)!.endsWith(name)));
    const body = Deno.readTextFileSync(`${folders.at(-1)}/response_body.txt`);
    assert.ok(body.length <= 1_000);
    assert.match(body, /cut at the log size cap/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
