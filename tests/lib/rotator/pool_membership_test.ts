import assert from "node:assert/strict";
import { defaultProviderRotation } from "../../../lib/config/rotation.ts";
import { apiKeyCredential, oauthCredential } from "../../../lib/credentials/credential.ts";
import { cool } from "../../../lib/rotator/key_state.ts";
import { Rotator } from "../../../lib/rotator/rotator.ts";
import { poolStats } from "../../../lib/rotator/stats.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import { qwenCode } from "../../../providers/oauth/qwen_code.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

const key = apiKeyCredential("sk-dashscope-key-0001");
const first = oauthCredential("qwen_code", "first@example.com", { metadata: { email: "first@example.com" } });
const second = oauthCredential("qwen_code", "second@example.com", {
  metadata: { email: "second@example.com" },
});

function provider(credentials: ConfiguredProvider["credentials"]): ConfiguredProvider {
  return {
    id: "qwen_code",
    adapter: qwenCode,
    baseUrl: "http://127.0.0.1:9/v1",
    credentials,
    custom: false,
    configuredModels: [],
  };
}

function rotatorOf(credentials: ConfiguredProvider["credentials"], clock: FakeClock): Rotator {
  return new Rotator([provider(credentials)], {
    settings: {
      tolerance: 0,
      authFailureCooldownMs: 3_600_000,
      usageResetUtcHour: 0,
      providers: new Map([["qwen_code", defaultProviderRotation()]]),
      aliases: new Map(),
    },
    globalTimeoutMs: 30_000,
    clock,
  });
}

Deno.test("Rotator.setCredentials() adds an account at run time and keeps the states of those that stay", () => {
  const clock = new FakeClock();
  const rotator = rotatorOf([key, first], clock);
  const before = rotator.pool("qwen_code")!;
  const record = before.record(first.id)!;
  before.setScopeState(
    record,
    "coder-model",
    cool(record.disabled, clock.now() + 60_000, "rate_limit", clock.now()),
  );
  rotator.setCredentials(provider([key, first, second]));
  const after = rotator.pool("qwen_code")!;
  assert.notEqual(after, before);
  assert.deepEqual(after.records.map((entry) => entry.credential.label), [
    key.label,
    "first@example.com",
    "second@example.com",
  ]);
  assert.equal(after.record(first.id)!.scopes.get("coder-model")?.state.status, "cooling");
  rotator.removePool("qwen_code");
  assert.equal(rotator.pool("qwen_code"), undefined);
});

Deno.test("KeyPool.setNeedsRelogin() skips the account, shows it in the statistics, and is never saved", async () => {
  const clock = new FakeClock();
  const rotator = rotatorOf([first, second], clock);
  const pool = rotator.pool("qwen_code")!;
  pool.setNeedsRelogin(first.id, true);
  for (let i = 0; i < 3; i++) {
    const lease = await pool.acquire("coder-model", { deadlineAtMs: clock.now() + 1000 });
    assert.equal(lease.credential.id, second.id);
    lease.release();
  }
  const stats = poolStats(pool, clock.now(), 0);
  assert.deepEqual(stats.credentials.map((entry) => entry.state), ["needs_relogin", "available"]);
  assert.equal(pool.snapshot().credentials[first.id].disabled.status, "available");
  pool.setNeedsRelogin(first.id, false);
  assert.equal(poolStats(pool, clock.now(), 0).credentials[0].state, "available");
});
