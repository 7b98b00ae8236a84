/**
 * End to end: the real proxy with request and raw logging on, two providers (one key of the OpenAI-compatible
 * one refused with a body that echoes it), OpenAI and Anthropic SDK clients, JSON and streams. Checks the
 * request folders, failures.jsonl, /metrics (parsed), /health and /ready, the catalog-enriched /v1/models,
 * the cost estimate, and finally greps every file the proxy wrote for every secret it knows.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import {
  anthropicMessage,
  anthropicStreamEvents,
  chatCompletion,
  chatCompletionChunks,
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const BAD_KEY = "sk-openai-refused-key-0000000000000001";
const GOOD_KEY = "sk-openai-working-key-0000000000000002";
const ANTHROPIC_KEY = "sk-ant-api03-test-key-00000000000000003";
const CLIENT_SMUGGLED = "sk-client-smuggled-000000000000000004";
const SECRETS = [BAD_KEY, GOOD_KEY, ANTHROPIC_KEY, CLIENT_SMUGGLED, TEST_PROXY_KEY];

function openaiUpstream(request: RecordedRequest): Response {
  if (request.method === "GET") return jsonResponse({ data: [{ id: "gpt-4o" }] });
  if (request.headers.get("authorization") === `Bearer ${BAD_KEY}`) {
    return jsonResponse({
      error: { message: `Incorrect API key provided: ${BAD_KEY}`, type: "invalid_request_error" },
    }, 401);
  }
  if (request.json?.stream) {
    const usage = {
      id: "u",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-4o",
      choices: [],
      usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 },
    };
    const chunks = chatCompletionChunks("gpt-4o", ["Hello", " there"]);
    return sseResponse([...chunks.slice(0, -1), `data: ${JSON.stringify(usage)}\n\n`, chunks.at(-1)!]);
  }
  return jsonResponse(chatCompletion("gpt-4o", "Hello there"));
}

function anthropicUpstream(request: RecordedRequest): Response {
  if (request.path === "/v1/models") {
    return jsonResponse({ data: [{ id: "claude-sonnet-4-20250514", type: "model" }], has_more: false });
  }
  if (request.path === "/v1/messages/count_tokens") return jsonResponse({ input_tokens: 4242 });
  if (request.json?.stream) {
    return sseResponse(anthropicStreamEvents("claude-sonnet-4-20250514", ["Native", " stream"]));
  }
  return jsonResponse(anthropicMessage("claude-sonnet-4-20250514", "Native answer"));
}

async function filesUnder(path: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    const full = `${path}/${entry.name}`;
    if (entry.isDirectory) files.push(...await filesUnder(full));
    else if (entry.isFile) files.push(full);
  }
  return files;
}

function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  const families = parsePrometheusTextFormat(text) as Array<
    { name: string; metrics: Array<{ value?: string; labels?: Record<string, string> }> }
  >;
  const metric = families.find((family) => family.name === name)?.metrics.find((candidate) =>
    Object.entries(labels).every(([key, value]) => candidate.labels?.[key] === value)
  );
  return metric ? Number(metric.value) : undefined;
}

Deno.test("observability end to end: request logs, failures.jsonl, metrics, health, catalog, and no secret on disk", async () => {
  const openaiFake = startFakeUpstream(openaiUpstream);
  const anthropicFake = startFakeUpstream(anthropicUpstream);
  const proxy = await startProxy({
    env: {
      OPENAI_API_BASE: openaiFake.baseUrl,
      OPENAI_API_KEY_1: BAD_KEY,
      OPENAI_API_KEY_2: GOOD_KEY,
      ROTATION_MODE_OPENAI: "sequential",
      ANTHROPIC_API_BASE: anthropicFake.origin,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      REQUEST_LOGGING: "true",
      RAW_LOGGING: "true",
    },
  });
  try {
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: TEST_PROXY_KEY, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: TEST_PROXY_KEY, maxRetries: 0 });

    const json = await openai.chat.completions.create({
      model: "openai/gpt-4o",
      messages: [{ role: "user", content: "Hi" }],
      // deno-lint-ignore no-explicit-any
      ...({ api_key: CLIENT_SMUGGLED } as any),
    });
    assert.equal(json.choices[0].message.content, "Hello there");
    let streamed = "";
    for await (
      const chunk of await openai.chat.completions.create({
        model: "openai/gpt-4o",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        stream_options: { include_usage: true },
      })
    ) streamed += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(streamed, "Hello there");
    const message = await anthropic.messages.create({
      model: "anthropic/claude-sonnet-4-20250514",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.equal(message.content[0].type, "text");
    let anthropicText = "";
    const stream = anthropic.messages.stream({
      model: "anthropic/claude-sonnet-4-20250514",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    for await (const event of stream) {
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
        anthropicText += event.delta.text;
      }
    }
    assert.equal(anthropicText, "Native stream");

    // Health and readiness need no key; readiness names providers and counts, never keys.
    const health = await fetch(`${proxy.url}/health`);
    assert.deepEqual(await health.json(), { status: "ok" });
    const ready = await fetch(`${proxy.url}/ready`);
    assert.equal(ready.status, 200);
    const readyBody = await ready.json();
    const openaiReady = readyBody.providers.find((provider: { id: string }) => provider.id === "openai");
    assert.equal(openaiReady.credentials.disabled, 1);
    assert.equal(openaiReady.credentials.available, 1);

    // Model cards from the bundled catalog, and the bare list on request.
    const models = await (await fetch(`${proxy.url}/v1/models`, {
      headers: { authorization: `Bearer ${TEST_PROXY_KEY}` },
    }))
      .json();
    const gpt4o = models.data.find((model: { id: string }) => model.id === "openai/gpt-4o");
    assert.equal(gpt4o.context_window, 128000);
    assert.equal(gpt4o.pricing.input, 2.5);
    assert.equal(gpt4o.capabilities.tools, true);
    const card = await (await fetch(`${proxy.url}/v1/models/anthropic/claude-sonnet-4-20250514`, {
      headers: { authorization: `Bearer ${TEST_PROXY_KEY}` },
    })).json();
    assert.equal(card.pricing.cache_write, 3.75);
    const bare = await (await fetch(`${proxy.url}/v1/models?enriched=false`, {
      headers: { authorization: `Bearer ${TEST_PROXY_KEY}` },
    })).json();
    assert.deepEqual(Object.keys(bare.data[0]).sort(), ["created", "id", "object", "owned_by"]);

    // The provider's own count for Anthropic-native models.
    const counted = await (await fetch(`${proxy.url}/v1/token-count`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "anthropic/claude-sonnet-4-20250514",
        messages: [{ role: "user", content: "Hi" }],
      }),
    })).json();
    assert.deepEqual(counted, {
      object: "token_count",
      model: "anthropic/claude-sonnet-4-20250514",
      input_tokens: 4242,
      method: "provider",
    });

    // Metrics need the proxy key on the main port.
    assert.equal((await fetch(`${proxy.url}/metrics`)).status, 401);
    const metrics =
      await (await fetch(`${proxy.url}/metrics`, { headers: { authorization: `Bearer ${TEST_PROXY_KEY}` } }))
        .text();
    assert.equal(
      sampleValue(metrics, "proxy_requests_total", {
        front_door: "openai",
        provider: "openai",
        status: "200",
      }),
      2,
    );
    assert.equal(
      sampleValue(metrics, "proxy_requests_total", {
        front_door: "anthropic",
        provider: "anthropic",
        status: "200",
      }),
      2,
    );
    assert.equal(
      sampleValue(metrics, "proxy_upstream_failures_total", { provider: "openai", failure_class: "auth" }),
      1,
    );
    assert.equal(sampleValue(metrics, "proxy_retries_total", { provider: "openai" }), 1);
    assert.equal(
      sampleValue(metrics, "proxy_tokens_total", { provider: "openai", model: "gpt-4o", kind: "input" }),
      1000 + 5,
    );
    assert.ok(
      (sampleValue(metrics, "proxy_cost_usd_total", { provider: "openai", model: "gpt-4o" }) ?? 0) > 0,
    );
    assert.equal(sampleValue(metrics, "proxy_credentials", { provider: "openai", state: "disabled" }), 1);

    // Logs: the request folders and the failure line.
    const requestFolders = [...Deno.readDirSync(`${proxy.dataDir}/logs/requests`)].map((entry) => entry.name);
    const metadata = requestFolders.map((folder) =>
      JSON.parse(Deno.readTextFileSync(`${proxy.dataDir}/logs/requests/${folder}/metadata.json`))
    );
    const chats = metadata.filter((entry) => entry.path === "/v1/chat/completions");
    assert.equal(chats.length, 2);
    const first = chats.find((entry) => entry.attempts.length === 2);
    assert.ok(first, "the first chat call went through two attempts");
    assert.deepEqual(first.attempts.map((attempt: { outcome: string }) => attempt.outcome), [
      "failure",
      "success",
    ]);
    assert.equal(first.attempts[0].status, 401);
    assert.equal(first.key, "…0002");
    const messagesLogs = metadata.filter((entry) => entry.path === "/v1/messages");
    assert.equal(messagesLogs.length, 2);
    for (const entry of [...chats, ...messagesLogs]) {
      assert.equal(entry.status, 200);
      assert.ok(entry.duration_ms >= entry.ttfb_ms);
    }
    const failures = Deno.readTextFileSync(`${proxy.dataDir}/logs/failures.jsonl`).trim().split("\n").map((
      line,
    ) => JSON.parse(line));
    assert.equal(failures.length, 1);
    assert.equal(failures[0].status, 401);
    assert.equal(failures[0].failure_class, "auth");
    const raw = Deno.readTextFileSync(`${proxy.dataDir}/logs/raw.jsonl`).trim().split("\n").map((line) =>
      JSON.parse(line)
    );
    assert.deepEqual(
      [...new Set(raw.map((line) => line.direction))].sort(),
      ["client>proxy", "proxy>client", "proxy>upstream", "upstream>proxy"],
    );
  } finally {
    await proxy.stop();
    await openaiFake.close();
    await anthropicFake.close();
  }
  // Every file the proxy wrote, for every secret it knows.
  const written = (await filesUnder(proxy.dataDir)).filter((path) => !path.endsWith("/.env"));
  assert.ok(written.length > 10, `${written.length} files`);
  for (const path of written) {
    const text = Deno.readTextFileSync(path);
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${path} contains a secret`);
  }
  await Deno.remove(proxy.dataDir, { recursive: true });
});

Deno.test("METRICS_PORT serves /metrics without a key, and nothing else", async () => {
  const upstream = startFakeUpstream(openaiUpstream);
  const proxy = await startProxy({
    env: {
      OPENAI_API_BASE: upstream.baseUrl,
      OPENAI_API_KEY: GOOD_KEY,
      METRICS_PORT: "0",
      PROXY_LOG_FORMAT: "json",
    },
  });
  try {
    const deadline = Date.now() + 10_000;
    let match: RegExpExecArray | null = null;
    while (
      !(match = /metrics on (http:\/\/[^/\s"]+)\/metrics/.exec(proxy.output())) && Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(match, proxy.output());
    const metrics = await fetch(`${match[1]}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /# TYPE proxy_requests_total counter/);
    const other = await fetch(`${match[1]}/v1/models`);
    assert.equal(other.status, 404);
    await other.body?.cancel();
    // The console speaks JSON lines.
    const lines = proxy.output().split("\n").filter((line) => line.startsWith("{"));
    assert.ok(lines.length > 0);
    for (const line of lines) assert.ok(typeof JSON.parse(line).level === "string");
  } finally {
    await proxy.stop();
    await upstream.close();
    await Deno.remove(proxy.dataDir, { recursive: true });
  }
});
