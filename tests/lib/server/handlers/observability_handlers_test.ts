import assert from "node:assert/strict";
import { Hono } from "hono";
import { CatalogSnapshot, parseCatalogDocument, PriceBook } from "../../../../lib/catalog/mod.ts";
import { defaultProviderRotation, type RotationSettings } from "../../../../lib/config/rotation.ts";
import { parseModelPrices } from "../../../../lib/config/pricing.ts";
import { apiKeyCredential } from "../../../../lib/credentials/credential.ts";
import { ProxyMetrics } from "../../../../lib/metrics/mod.ts";
import { Rotator } from "../../../../lib/rotator/rotator.ts";
import { UpstreamClient } from "../../../../lib/rotator/upstream_client.ts";
import type { AppEnv } from "../../../../lib/server/context.ts";
import { errorResponse } from "../../../../lib/server/error_response.ts";
import { CODECS } from "../../../../lib/formats/mod.ts";
import { costEstimate } from "../../../../lib/server/handlers/cost_estimate.ts";
import { health, ready } from "../../../../lib/server/handlers/health.ts";
import { metricsEndpoint } from "../../../../lib/server/handlers/metrics.ts";
import { tokenCount } from "../../../../lib/server/handlers/token_count.ts";
import { openai } from "../../../../providers/api_key/openai.ts";
import type { ConfiguredProvider } from "../../../../providers/mod.ts";

function appWith(register: (app: Hono<AppEnv>) => void): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("requestId", "req-test");
    c.set("access", {});
    await next();
  });
  register(app);
  app.onError((error) => errorResponse(error, CODECS.openai, { requestId: "req-test" }));
  return app;
}

const post = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

const catalog = new CatalogSnapshot(
  parseCatalogDocument({
    anthropic: {
      models: {
        "claude-sonnet-4-20250514": {
          id: "claude-sonnet-4-20250514",
          cost: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
        },
      },
    },
  }),
  "test catalog",
);

Deno.test("POST /v1/cost-estimate prices cache tokens and names the prices used", async () => {
  const book = new PriceBook(
    catalog,
    parseModelPrices(JSON.stringify({ "groq/*": { input: 1, output: 2 } })),
  );
  const app = appWith((app) =>
    app.post(
      "/v1/cost-estimate",
      costEstimate({ prices: () => Promise.resolve(book), maxRequestBodyBytes: 1e6 }),
    )
  );
  const response = await app.request(
    "/v1/cost-estimate",
    post({
      model: "anthropic/claude-sonnet-4-20250514",
      prompt_tokens: 10_000,
      completion_tokens: 1_000,
      cached_tokens: 8_000,
      cache_creation_tokens: 1_000,
    }),
  );
  assert.equal(response.status, 200);
  const body = await response.json();
  const expected = (1_000 * 3 + 8_000 * 0.3 + 1_000 * 3.75 + 1_000 * 15) / 1e6;
  assert.ok(Math.abs(body.cost - expected) < 1e-12, `${body.cost} != ${expected}`);
  assert.equal(body.currency, "USD");
  assert.equal(body.prices.cache_write, 3.75);
  assert.equal(body.prices.source, "catalog anthropic/claude-sonnet-4-20250514");
  assert.equal(body.catalog_version, "test catalog");

  const override = await (await app.request(
    "/v1/cost-estimate",
    post({ model: "groq/llama", prompt_tokens: 1_000_000, completion_tokens: 1_000_000 }),
  )).json();
  assert.equal(override.cost, 3);
  assert.equal(override.prices.source, "MODEL_PRICES");

  const unknown = await app.request(
    "/v1/cost-estimate",
    post({ model: "openai/gpt-99", prompt_tokens: 1, completion_tokens: 1 }),
  );
  assert.equal(unknown.status, 200);
  const unknownBody = await unknown.json();
  assert.equal(unknownBody.cost, null);
  assert.match(unknownBody.reason, /no model "gpt-99" under openai/);
});

Deno.test("POST /v1/cost-estimate refuses bad input with an OpenAI-shaped 400 naming the field", async () => {
  const book = new PriceBook(catalog);
  const app = appWith((app) =>
    app.post(
      "/v1/cost-estimate",
      costEstimate({ prices: () => Promise.resolve(book), maxRequestBodyBytes: 1e6 }),
    )
  );
  const cases: Array<[unknown, string]> = [
    [{ model: "a/b", prompt_tokens: -1, completion_tokens: 0 }, "prompt_tokens"],
    [{ model: "a/b", prompt_tokens: 1, completion_tokens: 0, cached_tokens: 2 }, "cached_tokens"],
    [{ model: "a/b", prompt_tokens: 1 }, "completion_tokens"],
    [{ model: "a/b", prompt_tokens: 1, completion_tokens: 1, extra: 1 }, "body"],
    ["{not json", ""],
  ];
  for (const [body, field] of cases) {
    const response = await app.request("/v1/cost-estimate", post(body));
    assert.equal(response.status, 400, JSON.stringify(body));
    const error = (await response.json()).error;
    assert.equal(error.type, "invalid_request_error");
    assert.ok(error.message.includes(field), `${error.message} names ${field}`);
  }
});

Deno.test("GET /health answers; GET /ready is 503 until a provider has an available credential", async () => {
  let available = 0;
  const app = appWith((app) => {
    app.get("/health", health());
    app.get(
      "/ready",
      ready({
        census: () => [{
          provider: "openai",
          credentials: { available, cooling: 1, disabled: 1, needs_relogin: 0 },
          waiting: 0,
        }],
      }),
    );
  });
  assert.deepEqual(await (await app.request("/health")).json(), { status: "ok" });
  const down = await app.request("/ready");
  assert.equal(down.status, 503);
  const downBody = await down.json();
  assert.equal(downBody.status, "unavailable");
  assert.deepEqual(downBody.providers[0].credentials, {
    available: 0,
    cooling: 1,
    disabled: 1,
    needs_relogin: 0,
  });
  available = 2;
  const up = await app.request("/ready");
  assert.equal(up.status, 200);
  assert.equal((await up.json()).providers[0].can_serve, true);
});

Deno.test("GET /metrics renders the registry with Prometheus' content type", async () => {
  const metrics = new ProxyMetrics();
  metrics.recordRequest({ frontDoor: "openai", provider: "openai", model: "m", status: 200, durationMs: 3 });
  const app = appWith((app) => app.get("/metrics", metricsEndpoint({ metrics })));
  const response = await app.request("/metrics");
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  assert.match(
    await response.text(),
    /proxy_requests_total\{front_door="openai",provider="openai",model="m",status="200"\} 1/,
  );
});

Deno.test("POST /v1/token-count counts text and messages with the bundled tokenizer for providers without a count endpoint", async () => {
  const provider: ConfiguredProvider = {
    id: "openai",
    adapter: openai,
    baseUrl: "http://127.0.0.1:9/v1",
    credentials: [apiKeyCredential("sk-openai-test-key-0000000000")],
    custom: false,
    configuredModels: [],
  };
  const rotation: RotationSettings = {
    tolerance: 0,
    authFailureCooldownMs: 1,
    usageResetUtcHour: 0,
    providers: new Map([["openai", defaultProviderRotation()]]),
    aliases: new Map(),
  };
  const app = appWith((app) =>
    app.post(
      "/v1/token-count",
      tokenCount({
        providers: [provider],
        upstream: new UpstreamClient({
          rotator: new Rotator([provider], { settings: rotation, globalTimeoutMs: 1_000 }),
          fetch: () => Promise.reject(new Error("no upstream call expected")),
          timeouts: { connectMs: 1_000, streamingReadMs: 1_000, nonStreamingReadMs: 1_000 },
        }),
        rotation,
        maxRequestBodyBytes: 1e6,
        connectTimeoutMs: 1_000,
      }),
    )
  );
  const text =
    await (await app.request("/v1/token-count", post({ model: "openai/gpt-4o", text: "hello world" })))
      .json();
  assert.deepEqual(text, {
    object: "token_count",
    model: "openai/gpt-4o",
    input_tokens: 2,
    method: "tokenizer",
    tokenizer: "o200k_base",
  });
  const messages = await (await app.request(
    "/v1/token-count",
    post({ model: "openai/gpt-4o", messages: [{ role: "user", content: "hello world" }] }),
  )).json();
  assert.equal(messages.method, "tokenizer");
  assert.ok(messages.input_tokens > 2);
  const both = await app.request(
    "/v1/token-count",
    post({ model: "openai/gpt-4o", text: "a", messages: [] }),
  );
  assert.equal(both.status, 400);
  const unknownProvider = await app.request("/v1/token-count", post({ model: "nobody/x", text: "a" }));
  assert.equal(unknownProvider.status, 404);
});
