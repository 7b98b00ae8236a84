import assert from "node:assert/strict";
import { AVAILABLE, cool, currentState, disable, remainingMs } from "../../../lib/rotator/key_state.ts";

Deno.test("currentState() expires cooling and disabled states lazily", () => {
  const cooling = cool(AVAILABLE, 2_000, "rate_limit", 1_000);
  assert.deepEqual(currentState(cooling, 1_999), { status: "cooling", untilMs: 2_000, reason: "rate_limit" });
  assert.equal(currentState(cooling, 2_000).status, "available");
  assert.equal(currentState(disable("auth", 5_000), 4_999).status, "disabled");
  assert.equal(currentState(disable("auth", 5_000), 5_000).status, "available");
  assert.equal(remainingMs(cooling, 1_500), 500);
  assert.equal(remainingMs(cooling, 3_000), 0);
});

Deno.test("cool() never shortens a longer rest and never overrides a disable", () => {
  const long = cool(AVAILABLE, 10_000, "quota_exhausted", 0);
  assert.equal(cool(long, 5_000, "rate_limit", 0), long);
  assert.deepEqual(cool(long, 20_000, "rate_limit", 0), {
    status: "cooling",
    untilMs: 20_000,
    reason: "rate_limit",
  });
  const disabled = disable("auth", 1_000);
  assert.equal(cool(disabled, 50_000, "rate_limit", 0), disabled);
  assert.equal(cool(disabled, 50_000, "rate_limit", 2_000).status, "cooling");
});
