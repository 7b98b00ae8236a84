import assert from "node:assert/strict";
import { defaultProviderRotation } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { censusOfPools } from "../../../lib/metrics/census.ts";
import { KeyPool } from "../../../lib/rotator/key_pool.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";
import { classifiedAs } from "../../helpers/verdicts.ts";

Deno.test("censusOfPools() counts credentials by state, expiring cooldowns on the clock", async () => {
  const clock = new FakeClock();
  const credentials = ["sk-census-aaaaaaaaaaaa-1", "sk-census-bbbbbbbbbbbb-2", "sk-census-cccccccccccc-3"]
    .map((secret) => apiKeyCredential(secret));
  const pool = new KeyPool("p", credentials, {
    rotation: { ...defaultProviderRotation(), mode: "sequential" },
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    clock,
  });
  const verdict = (failureClass: "rate_limit" | "auth") =>
    classifiedAs(failureClass, failureClass === "rate_limit" ? clock.now() + 5_000 : null);
  const deadline = { deadlineAtMs: clock.now() + 30_000 };
  const first = await pool.acquire("m", deadline);
  pool.recordResult(first, { outcome: "failure", verdict: verdict("rate_limit") });
  first.release();
  const second = await pool.acquire("m", deadline);
  pool.recordResult(second, { outcome: "failure", verdict: verdict("auth") });
  second.release();
  const pools = new Map([["p", pool]]);
  assert.deepEqual(censusOfPools(pools, clock.now()), [
    { provider: "p", credentials: { available: 1, cooling: 1, disabled: 1, needs_relogin: 0 }, waiting: 0 },
  ]);
  await clock.advance(6_000);
  assert.deepEqual(censusOfPools(pools, clock.now())[0].credentials, {
    available: 2,
    cooling: 0,
    disabled: 1,
    needs_relogin: 0,
  });
});
