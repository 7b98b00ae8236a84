/**
 * Property-style test: random failures on every key but one, many concurrent calls. Every call must
 * succeed and no key may ever carry more calls than its cap.
 */
import assert from "node:assert/strict";
import { defaultProviderRotation, type RotationSettings } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { UpstreamError } from "../../../lib/errors.ts";
import { Rotator } from "../../../lib/rotator/rotator.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import { openai } from "../../../providers/api_key/openai.ts";

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

for (const seed of [1, 7, 42]) {
  for (const cap of [1, 3]) {
    Deno.test(`Rotator under random failures: all calls succeed and caps hold (seed ${seed}, cap ${cap})`, async () => {
      const random = seeded(seed);
      const keys = 6;
      const credentials = Array.from(
        { length: keys },
        (_, index) => apiKeyCredential(`sk-prop-key-${index}-abcdef`),
      );
      const healthy = credentials[Math.floor(random() * keys)].id;
      const provider: ConfiguredProvider = {
        id: "prop",
        adapter: openai,
        baseUrl: "http://127.0.0.1:9/v1",
        credentials,
        custom: false,
        configuredModels: [],
      };
      const settings: RotationSettings = {
        tolerance: 3,
        authFailureCooldownMs: 3_600_000,
        usageResetUtcHour: 0,
        providers: new Map([["prop", { ...defaultProviderRotation(), maxConcurrentPerKey: cap }]]),
        aliases: new Map(),
      };
      const rotator = new Rotator([provider], {
        settings,
        globalTimeoutMs: 30_000,
        random,
        backoffBaseMs: 1,
      });
      const inFlight = new Map<string, number>();
      let maxSeen = 0;
      const failures = [
        () => new UpstreamError("500", { kind: "http", provider: "prop", status: 500 }),
        () => new UpstreamError("429", { kind: "http", provider: "prop", status: 429, body: "{}" }),
        () => new UpstreamError("503", { kind: "http", provider: "prop", status: 503 }),
        () => new UpstreamError("refused", { kind: "connection", provider: "prop" }),
        () => new UpstreamError("slow", { kind: "timeout", provider: "prop" }),
        () => new UpstreamError("401", { kind: "http", provider: "prop", status: 401 }),
      ];
      const calls = Array.from({ length: 120 }, async () => {
        const result = await rotator.execute({
          targets: [{ provider, model: "m" }],
          attempt: async ({ credential }) => {
            const count = (inFlight.get(credential.id) ?? 0) + 1;
            inFlight.set(credential.id, count);
            maxSeen = Math.max(maxSeen, count);
            try {
              await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
              if (credential.id !== healthy && random() < 0.7) {
                throw failures[Math.floor(random() * failures.length)]();
              }
              return credential.id;
            } finally {
              inFlight.set(credential.id, inFlight.get(credential.id)! - 1);
            }
          },
        });
        // Hold the slot a little, like a stream would, before reporting the end.
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 2)));
        result.finish({ ok: true });
        return result.value;
      });
      const results = await Promise.allSettled(calls);
      const rejected = results.filter((result) => result.status === "rejected");
      assert.equal(rejected.length, 0, String((rejected[0] as PromiseRejectedResult | undefined)?.reason));
      assert.ok(maxSeen <= cap, `a key carried ${maxSeen} calls with a cap of ${cap}`);
      const pool = rotator.pool("prop")!;
      for (const record of pool.records) assert.equal(record.inFlight.size, 0);
    });
  }
}
