/**
 * End to end: a pool of keys where one is rate limited, one is rejected, one breaks streams halfway
 * and one is healthy. Every call that can succeed does, nothing is replayed after output began, the
 * states show in /v1/quota-stats, and a restart keeps them.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  chatCompletion,
  chatCompletionChunks,
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const LIMITED = "sk-limited-aaaaaaaaaaaa-1111";
const REVOKED = "sk-revoked-bbbbbbbbbbbb-2222";
const BREAKS = "sk-breaks-cccccccccccc-3333";
const HEALTHY = "sk-healthy-dddddddddddd-4444";

function keyOf(request: RecordedRequest): string {
  return (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
}

function handler(request: RecordedRequest): Response {
  if (request.path.endsWith("/models")) return jsonResponse({ data: [{ id: "m" }] });
  const stream = request.json?.stream === true;
  switch (keyOf(request)) {
    case LIMITED:
      return jsonResponse({ error: { message: "Rate limit reached", type: "requests" } }, 429, {
        "retry-after": "60",
      });
    case REVOKED:
      return jsonResponse({ error: { message: "Incorrect API key provided", code: "invalid_api_key" } }, 401);
    case BREAKS: {
      if (!stream) return jsonResponse(chatCompletion("m", "from breaks"));
      const encoder = new TextEncoder();
      const [first, second] = chatCompletionChunks("m", ["partial"]);
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(encoder.encode(first + second));
            setTimeout(() => controller.error(new Error("connection reset")), 30);
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    }
    default:
      return stream
        ? sseResponse(chatCompletionChunks("m", ["all", " good"]))
        : jsonResponse(chatCompletion("m", "from healthy"));
  }
}

async function quotaStats(url: string) {
  const response = await fetch(`${url}/v1/quota-stats?provider=pool`, {
    headers: { "x-api-key": TEST_PROXY_KEY },
  });
  assert.equal(response.status, 200);
  const text = await response.text();
  for (const secret of [LIMITED, REVOKED, BREAKS, HEALTHY]) assert.equal(text.includes(secret), false);
  const byKey = new Map<string, Record<string, unknown>>();
  for (const credential of JSON.parse(text).providers.pool.credentials) byKey.set(credential.key, credential);
  return byKey;
}

Deno.test("rotator end to end: failures rotate away, streams never replay, state survives a restart", async () => {
  const upstream = startFakeUpstream(handler);
  const env = {
    POOL_API_BASE: upstream.baseUrl,
    POOL_API_KEY_1: LIMITED,
    POOL_API_KEY_2: REVOKED,
    POOL_API_KEY_3: BREAKS,
    POOL_API_KEY_4: HEALTHY,
    ROTATION_MODE_POOL: "sequential",
    MAX_CONCURRENT_REQUESTS_PER_KEY_POOL: "4",
  };
  let proxy = await startProxy({ env });
  const dataDir = proxy.dataDir;
  try {
    const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const messages = [{ role: "user" as const, content: "hi" }];

    // 1. The first call meets the 429 and the 401 and is served by the next key.
    const first = await client.chat.completions.create({ model: "pool/m", messages });
    assert.equal(first.choices[0].message.content, "from breaks");
    assert.deepEqual(upstream.requests.map(keyOf), [LIMITED, REVOKED, BREAKS]);

    // 2. A stream on the key that breaks: output began, so the proxy ends it with an error and never replays.
    upstream.requests.length = 0;
    const stream = await client.chat.completions.create({ model: "pool/m", messages, stream: true });
    let streamed = "";
    await assert.rejects(async () => {
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
    });
    assert.equal(streamed, "partial");
    assert.deepEqual(upstream.requests.map(keyOf), [BREAKS], "the broken stream was replayed");

    // 3. Everything after that succeeds, concurrently, on the healthy key.
    upstream.requests.length = 0;
    const replies = await Promise.all(
      Array.from(
        { length: 6 },
        (_, index) =>
          index % 2 === 0
            ? client.chat.completions.create({ model: "pool/m", messages }).then((reply) =>
              reply.choices[0].message.content
            )
            : client.chat.completions.create({ model: "pool/m", messages, stream: true }).then(
              async (chunks) => {
                let text = "";
                for await (const chunk of chunks) text += chunk.choices[0]?.delta?.content ?? "";
                return text;
              },
            ),
      ),
    );
    assert.deepEqual(replies, [
      "from healthy",
      "all good",
      "from healthy",
      "all good",
      "from healthy",
      "all good",
    ]);
    assert.deepEqual(new Set(upstream.requests.map(keyOf)), new Set([HEALTHY]));

    // 4. The states show in /v1/quota-stats, keys masked.
    const stats = await quotaStats(proxy.url);
    const limited = stats.get("…1111")!;
    assert.equal(limited.state, "available");
    const limitedModel = (limited.models as Record<string, Record<string, unknown>>).m;
    assert.equal(limitedModel.state, "cooling");
    assert.equal(limitedModel.reason, "rate_limit");
    assert.ok((limitedModel.seconds_left as number) > 50);
    assert.equal(stats.get("…2222")!.state, "disabled");
    assert.equal(stats.get("…2222")!.reason, "auth");
    const breaksModel = (stats.get("…3333")!.models as Record<string, Record<string, unknown>>).m;
    assert.equal(breaksModel.state, "cooling");
    const healthy = stats.get("…4444")!;
    assert.equal((healthy.totals as Record<string, number>).successes, 6);
    assert.equal(
      (healthy.totals as Record<string, number>).promptTokens,
      15,
      "usage of JSON answers is counted",
    );

    // 5. A restart keeps the cooldown and the disabled key; the usage file holds no secret.
    const status = await proxy.stop();
    assert.equal(status.code, 0);
    const saved = await Deno.readTextFile(`${dataDir}/usage/usage_pool.json`);
    for (const secret of [LIMITED, REVOKED, BREAKS, HEALTHY]) assert.equal(saved.includes(secret), false);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(`${dataDir}/usage/usage_pool.json`)).mode! & 0o777, 0o600);
    }
    proxy = await startProxy({ env, dataDir });
    const after = await quotaStats(proxy.url);
    assert.equal((after.get("…1111")!.models as Record<string, Record<string, unknown>>).m.state, "cooling");
    assert.equal(after.get("…2222")!.state, "disabled");
    assert.equal((after.get("…4444")!.totals as Record<string, number>).successes, 6);

    upstream.requests.length = 0;
    const again = await new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 })
      .chat.completions.create({ model: "pool/m", messages });
    assert.equal(again.choices[0].message.content, "from healthy");
    assert.deepEqual(
      upstream.requests.map(keyOf),
      [HEALTHY],
      "a cooling or disabled key was used after restart",
    );
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("rotator end to end: 429 with Retry-After when every key is cooling", async () => {
  const upstream = startFakeUpstream(() =>
    jsonResponse({ error: { message: "slow down" } }, 429, { "retry-after": "90" })
  );
  const proxy = await startProxy({
    env: { ONLY_API_BASE: upstream.baseUrl, ONLY_API_KEY_1: LIMITED, ONLY_API_KEY_2: REVOKED },
  });
  try {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({ model: "only/m", messages: [{ role: "user", content: "x" }] }),
    });
    assert.equal(response.status, 429);
    const retryAfter = Number(response.headers.get("retry-after"));
    assert.ok(retryAfter >= 89 && retryAfter <= 90, `retry-after ${retryAfter}`);
    const body = await response.json();
    assert.equal(body.error.type, "rate_limit_error");
    assert.match(body.error.message, /2× rate_limit 429 \(…(1111, …2222|2222, …1111)\)/);
    assert.equal(upstream.requests.length, 2);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
