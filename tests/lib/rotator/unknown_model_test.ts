import assert from "node:assert/strict";
import { defaultProviderRotation } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { KeyPool } from "../../../lib/rotator/key_pool.ts";
import { isUnknownModel } from "../../../lib/rotator/unknown_model.ts";
import { classifiedAs } from "../../helpers/verdicts.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

function makePool() {
  const clock = new FakeClock();
  const credentials = ["sk-key-aaaaaaaaaaaa-0001", "sk-key-bbbbbbbbbbbb-0002"].map((secret) =>
    apiKeyCredential(secret, 1)
  );
  const pool = new KeyPool("test", credentials, {
    rotation: { ...defaultProviderRotation(), mode: "sequential" },
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    clock,
  });
  return { pool, clock };
}

const notFound = classifiedAs("client_error");

Deno.test("KeyPool.recordResult() keeps no state for a model the upstream does not know, and rests no key", async () => {
  const { pool, clock } = makePool();
  const known = await pool.acquire("known", { deadlineAtMs: clock.now() + 1_000 });
  pool.recordResult(known, { outcome: "success", tokens: null });
  known.release();
  const lease = await pool.acquire("made-up", { deadlineAtMs: clock.now() + 1_000 });
  pool.recordResult(lease, { outcome: "failure", verdict: notFound, unknownModel: true });
  lease.release();
  for (const record of pool.records) {
    assert.deepEqual([...record.scopes.keys()], record === pool.records[0] ? ["known"] : []);
    assert.equal(pool.stateOf(record, "made-up").status, "available");
  }
  const saved = JSON.stringify(pool.snapshot());
  assert.ok(!saved.includes("made-up"), saved);
  assert.deepEqual(pool.tracked, { models: 1, scopes: 1 });
  // The same key serves the next call at once.
  const next = await pool.acquire("made-up", { deadlineAtMs: clock.now() + 1_000 });
  assert.equal(next.credential.id, known.credential.id);
  next.release();
});

Deno.test("KeyPool: a flood of distinct unknown model ids leaves the pool's memory where it was", async () => {
  const { pool, clock } = makePool();
  for (let index = 0; index < 5_000; index++) {
    const lease = await pool.acquire(`made-up-${index}`, { deadlineAtMs: clock.now() + 1_000 });
    pool.recordResult(lease, { outcome: "failure", verdict: notFound, unknownModel: true });
    lease.release();
  }
  assert.deepEqual(pool.tracked, { models: 0, scopes: 0 });
  assert.ok(pool.records.every((record) => record.scopes.size === 0));
});

Deno.test("KeyPool: an unknown model's columns stay while another call for it is in flight", async () => {
  const { pool, clock } = makePool();
  const first = await pool.acquire("made-up", { deadlineAtMs: clock.now() + 1_000 });
  const second = await pool.acquire("made-up", { deadlineAtMs: clock.now() + 1_000 });
  pool.recordResult(first, { outcome: "failure", verdict: notFound, unknownModel: true });
  first.release();
  assert.equal(pool.records[second.credential === first.credential ? 0 : 1].inFlight.get("made-up"), 1);
  pool.recordResult(second, { outcome: "failure", verdict: notFound, unknownModel: true });
  second.release();
  assert.deepEqual(pool.tracked, { models: 0, scopes: 0 });
});

Deno.test("isUnknownModel() reads a 404, and a 400 whose code or wording refuses the model itself", () => {
  const body = (message: string, code?: string) => JSON.stringify({ error: { message, code } });
  assert.ok(isUnknownModel(404, body("The model `x` does not exist", "model_not_found")));
  assert.ok(isUnknownModel(404, "<html>Not Found</html>"));
  assert.ok(isUnknownModel(400, body("anything", "model_not_found")));
  assert.ok(isUnknownModel(400, body("made/up is not a valid model ID")));
  assert.ok(isUnknownModel(400, body("Invalid model: made-up")));
  assert.ok(isUnknownModel(400, body("The model `made-up` does not exist or you do not have access to it.")));
  assert.ok(!isUnknownModel(400, body("max_tokens is too large")));
  assert.ok(!isUnknownModel(400, body("This model does not support tools.")));
  assert.ok(!isUnknownModel(429, body("model not found")));
  assert.ok(!isUnknownModel(500, body("model not found")));
});
