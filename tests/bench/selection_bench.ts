/**
 * `deno bench`: choosing a key in a pool of 1,000 keys with half of them cooling. Goal: under 20 µs.
 */
import { defaultProviderRotation } from "../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../lib/credentials/credential.ts";
import type { Clock } from "../../lib/rotator/clock.ts";
import { KeyPool } from "../../lib/rotator/key_pool.ts";

const clock: Clock = { now: () => 1_000_000, setTimer: () => 0, clearTimer: () => {} };

function poolOf(mode: "balanced" | "sequential", tolerance: number): KeyPool {
  const credentials = Array.from(
    { length: 1_000 },
    (_, index) => apiKeyCredential(`sk-bench-key-${index}-xxxxxxxx`),
  );
  const pool = new KeyPool("bench", credentials, {
    rotation: { ...defaultProviderRotation(), mode, maxConcurrentPerKey: 1_000_000 },
    tolerance,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    clock,
  });
  for (const record of pool.records) {
    const usage = pool.scopeRecord(record, "model").usage;
    usage.window.requests = record.index % 17;
    pool.setScopeUsage(record, "model", usage);
    if (record.index % 2 === 0) {
      pool.setScopeState(record, "model", { status: "cooling", untilMs: 2_000_000, reason: "rate_limit" });
    }
  }
  return pool;
}

for (const [mode, tolerance] of [["balanced", 3], ["balanced", 0], ["sequential", 0]] as const) {
  const pool = poolOf(mode, tolerance);
  const deadline = { deadlineAtMs: 2_000_000 };
  Deno.bench(
    `KeyPool.acquire() + release(), 1,000 keys, half cooling, ${mode} tolerance ${tolerance}`,
    async () => {
      const lease = await pool.acquire("model", deadline);
      lease.release();
    },
  );
}
