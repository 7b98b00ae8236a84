import assert from "node:assert/strict";
import { defaultProviderRotation, type RotationSettings } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { createLogger } from "../../../lib/log/logger.ts";
import { Rotator } from "../../../lib/rotator/rotator.ts";
import { UpstreamClient } from "../../../lib/rotator/upstream_client.ts";
import type { FetchFunction } from "../../../lib/rotator/upstream_call.ts";
import { LISTING_SCOPE, ModelCatalog } from "../../../lib/server/model_catalog.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";

Deno.test("ModelCatalog lists through the rotator: a refused first key is skipped, not fatal", async () => {
  const secrets = ["sk-list-aaaaaaaaaaaaaaaa-0", "sk-list-bbbbbbbbbbbbbbbb-1"];
  const provider: ConfiguredProvider = {
    id: "p",
    adapter: openai,
    baseUrl: "http://127.0.0.1:9/v1",
    credentials: secrets.map((secret) => apiKeyCredential(secret)),
    custom: false,
    configuredModels: [],
  };
  const seen: string[] = [];
  const fetch: FetchFunction = (_input, init) => {
    const token = new Headers(init?.headers).get("authorization") ?? "";
    seen.push(token);
    return Promise.resolve(
      token.endsWith(secrets[0])
        ? new Response('{"error":{"message":"bad key"}}', { status: 401 })
        : Response.json({ data: [{ id: "listed-model" }] }),
    );
  };
  const settings: RotationSettings = {
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    providers: new Map([["p", { ...defaultProviderRotation(), mode: "sequential" }]]),
    aliases: new Map(),
  };
  const rotator = new Rotator([provider], { settings, globalTimeoutMs: 5_000, backoffBaseMs: 0 });
  const upstream = new UpstreamClient({
    rotator,
    fetch,
    timeouts: { connectMs: 5_000, streamingReadMs: 5_000, nonStreamingReadMs: 5_000 },
  });
  const catalog = new ModelCatalog([provider], {
    upstream,
    logger: createLogger("error", () => {}),
    ttlMs: 60_000,
    settings,
  });
  const models = await catalog.list();
  assert.deepEqual(models.map((model) => model.id), ["p/listed-model"]);
  assert.equal(seen.length, 2);
  const pool = rotator.pool("p")!;
  assert.equal(pool.stateOf(pool.records[0], LISTING_SCOPE).status, "disabled");
});
