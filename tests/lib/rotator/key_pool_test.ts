import assert from "node:assert/strict";
import { defaultProviderRotation, type ProviderRotation } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { NoCredentialAvailableError } from "../../../lib/errors.ts";
import type { FailureVerdict } from "../../../lib/rotator/failure.ts";
import { classifiedAs } from "../../helpers/verdicts.ts";
import { KeyPool, type Lease } from "../../../lib/rotator/key_pool.ts";
import { ClientAbortError } from "../../../lib/rotator/upstream_call.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

const SECRETS = ["sk-key-aaaaaaaaaaaa-0001", "sk-key-bbbbbbbbbbbb-0002", "sk-key-cccccccccccc-0003"];

function makePool(
  options: { rotation?: Partial<ProviderRotation>; keys?: number; priorities?: number[]; clock?: FakeClock } =
    {},
) {
  const clock = options.clock ?? new FakeClock();
  const credentials = SECRETS.slice(0, options.keys ?? 2).map((secret, index) =>
    apiKeyCredential(secret, options.priorities?.[index] ?? 1)
  );
  const pool = new KeyPool("test", credentials, {
    rotation: { ...defaultProviderRotation(), mode: "sequential", ...options.rotation },
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    clock,
  });
  return { pool, clock, credentials };
}

const verdict = (
  failureClass: FailureVerdict["failureClass"],
  resetAtMs: number | null = null,
): FailureVerdict => classifiedAs(failureClass, resetAtMs);

const farDeadline = (clock: FakeClock) => ({ deadlineAtMs: clock.now() + 30_000 });

function fail(pool: KeyPool, lease: Lease, failure: FailureVerdict) {
  pool.recordResult(lease, { outcome: "failure", verdict: failure });
  lease.release();
}

Deno.test("KeyPool.acquire() skips a cooling key and uses it again once the cooldown has passed", async () => {
  const { pool, clock, credentials } = makePool();
  const first = await pool.acquire("m", farDeadline(clock));
  assert.equal(first.credential.id, credentials[0].id);
  fail(pool, first, verdict("rate_limit", clock.now() + 2_000));
  const second = await pool.acquire("m", farDeadline(clock));
  assert.equal(second.credential.id, credentials[1].id);
  second.release();
  await clock.advance(2_000);
  const third = await pool.acquire("m", farDeadline(clock));
  assert.equal(third.credential.id, credentials[0].id);
});

Deno.test("KeyPool: a 429 without reset time escalates 10 s, 30 s, 60 s, 120 s, 300 s; a success resets it", async () => {
  const { pool, clock } = makePool({ keys: 1 });
  const record = pool.records[0];
  for (const expectedSeconds of [10, 30, 60, 120, 300, 300]) {
    const lease = await pool.acquire("m", { deadlineAtMs: clock.now() + 1_000_000 });
    fail(pool, lease, verdict("rate_limit"));
    const state = pool.stateOf(record, "m");
    assert.equal(state.status, "cooling");
    assert.equal(state.status === "cooling" && state.untilMs - clock.now(), expectedSeconds * 1000);
    await clock.advance(expectedSeconds * 1000);
  }
  const lease = await pool.acquire("m", farDeadline(clock));
  pool.recordResult(lease, { outcome: "success" });
  lease.release();
  assert.equal(pool.scopeRecord(record, "m").strikes, 0);
  const again = await pool.acquire("m", farDeadline(clock));
  fail(pool, again, verdict("rate_limit"));
  const state = pool.stateOf(record, "m");
  assert.equal(state.status === "cooling" && state.untilMs - clock.now(), 10_000);
});

Deno.test("KeyPool: 5xx failures count toward the ladder without resting the key", async () => {
  const { pool, clock } = makePool({ keys: 1 });
  const lease = await pool.acquire("m", farDeadline(clock));
  fail(pool, lease, verdict("server_error"));
  assert.equal(pool.stateOf(pool.records[0], "m").status, "available");
  const next = await pool.acquire("m", farDeadline(clock));
  fail(pool, next, verdict("rate_limit"));
  const state = pool.stateOf(pool.records[0], "m");
  assert.equal(state.status === "cooling" && state.untilMs - clock.now(), 30_000);
});

Deno.test("KeyPool: an auth failure disables the key for every model until AUTH_FAILURE_COOLDOWN", async () => {
  const { pool, clock, credentials } = makePool();
  const lease = await pool.acquire("m1", farDeadline(clock));
  fail(pool, lease, verdict("auth"));
  assert.equal(pool.stateOf(pool.records[0], "other-model").status, "disabled");
  assert.equal((await pool.acquire("other-model", farDeadline(clock))).credential.id, credentials[1].id);
  await clock.advance(3_600_000);
  assert.equal(pool.stateOf(pool.records[0], "m1").status, "available");
});

Deno.test("KeyPool: quota exhausted without a reset time rests until the usage window ends", async () => {
  const { pool, clock } = makePool({ keys: 1 });
  const lease = await pool.acquire("m", farDeadline(clock));
  fail(pool, lease, verdict("quota_exhausted"));
  const state = pool.stateOf(pool.records[0], "m");
  // The fake clock starts at 12:00 UTC; windows reset at 00:00 UTC.
  assert.equal(state.status === "cooling" && state.untilMs - clock.now(), 12 * 3_600_000);
  assert.equal(state.status === "cooling" && state.reason, "quota_exhausted");
});

Deno.test("KeyPool: models in a quota group share cooldowns; other models do not", async () => {
  const { pool, clock } = makePool({
    keys: 1,
    rotation: { quotaGroups: new Map([["m1", "pro"], ["m2", "pro"]]) },
  });
  const lease = await pool.acquire("m1", farDeadline(clock));
  fail(pool, lease, verdict("rate_limit", clock.now() + 60_000));
  assert.equal(pool.stateOf(pool.records[0], pool.scopeOf("m2")).status, "cooling");
  assert.equal(pool.stateOf(pool.records[0], pool.scopeOf("m3")).status, "available");
});

Deno.test("KeyPool: the same transient failure on every key cools the whole provider", async () => {
  const { pool, clock } = makePool({ keys: 2 });
  const first = await pool.acquire("m", farDeadline(clock));
  fail(pool, first, verdict("connection"));
  const providerStatus = () => pool.providerState.status as string;
  assert.equal(providerStatus(), "available");
  const second = await pool.acquire("m", { ...farDeadline(clock), exclude: new Set([first.credential.id]) });
  fail(pool, second, verdict("connection"));
  assert.equal(providerStatus(), "cooling");
  await assert.rejects(pool.acquire("m", { deadlineAtMs: clock.now() + 1_000 }), (error: unknown) => {
    assert.ok(error instanceof NoCredentialAvailableError);
    assert.equal(error.status, 429);
    return true;
  });
  await clock.advance(10_000);
  assert.equal(providerStatus(), "available");
});

Deno.test("KeyPool: waits for the end of a cooldown when it fits the deadline", async () => {
  const { pool, clock, credentials } = makePool({ keys: 1 });
  const lease = await pool.acquire("m", farDeadline(clock));
  fail(pool, lease, verdict("rate_limit", clock.now() + 2_000));
  let served: Lease | null = null;
  pool.acquire("m", farDeadline(clock)).then((next) => served = next);
  await clock.advance(1_999);
  assert.equal(served, null);
  await clock.advance(1);
  assert.equal(served!.credential.id, credentials[0].id);
});

Deno.test("KeyPool: answers 429 with the time to wait when every key cools past the deadline", async () => {
  const { pool, clock } = makePool({ keys: 1 });
  const lease = await pool.acquire("m", farDeadline(clock));
  fail(pool, lease, verdict("rate_limit", clock.now() + 60_000));
  await assert.rejects(pool.acquire("m", farDeadline(clock)), (error: unknown) => {
    assert.ok(error instanceof NoCredentialAvailableError);
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterMs, 60_000);
    return true;
  });
});

Deno.test("KeyPool: a full pool queues callers in FIFO order and serves them as slots free", async () => {
  const { pool, clock } = makePool({ keys: 2, rotation: { mode: "balanced" } });
  const a = await pool.acquire("m", farDeadline(clock));
  const b = await pool.acquire("m", farDeadline(clock));
  assert.notEqual(a.credential.id, b.credential.id);
  const order: string[] = [];
  const waiting = ["first", "second", "third"].map((name) =>
    pool.acquire("m", farDeadline(clock)).then((lease) => {
      order.push(name);
      return lease;
    })
  );
  await clock.advance(0);
  assert.equal(pool.waiting, 3);
  a.release();
  await clock.advance(0);
  assert.deepEqual(order, ["first"]);
  b.release();
  await clock.advance(0);
  assert.deepEqual(order, ["first", "second"]);
  (await waiting[0]).release();
  await clock.advance(0);
  assert.deepEqual(order, ["first", "second", "third"]);
  // A second model has its own slots on the same keys.
  const other = await pool.acquire("other", farDeadline(clock));
  assert.ok(other);
});

Deno.test("KeyPool: a caller still waiting at the deadline gets a 503; a disconnect leaves the queue", async () => {
  const { pool, clock } = makePool({ keys: 1 });
  const held = await pool.acquire("m", farDeadline(clock));
  const timedOut = assert.rejects(
    pool.acquire("m", { deadlineAtMs: clock.now() + 5_000 }),
    (error: unknown) => error instanceof NoCredentialAvailableError && error.status === 503,
  );
  const controller = new AbortController();
  const abandoned = pool.acquire("m", { ...farDeadline(clock), signal: controller.signal });
  await clock.advance(0);
  assert.equal(pool.waiting, 2);
  controller.abort();
  await assert.rejects(abandoned, ClientAbortError);
  assert.equal(pool.waiting, 1);
  await clock.advance(5_000);
  await timedOut;
  assert.equal(pool.waiting, 0);
  held.release();
  assert.equal(pool.records[0].inFlight.size, 0);
});

Deno.test("KeyPool: MAX_CONCURRENT_REQUESTS_PER_KEY and priority multipliers set each key's cap", () => {
  const { pool } = makePool({
    keys: 2,
    priorities: [1, 2],
    rotation: { maxConcurrentPerKey: 2, concurrencyMultipliers: new Map([[2, 2.5]]) },
  });
  assert.deepEqual(pool.records.map((record) => record.capacity), [2, 5]);
});

Deno.test("KeyPool: usage windows count requests, successes, failures and tokens, and reset daily", async () => {
  const { pool, clock } = makePool({ keys: 1 });
  const lease = await pool.acquire("m", farDeadline(clock));
  pool.recordResult(lease, {
    outcome: "success",
    tokens: { promptTokens: 10, completionTokens: 5, cachedTokens: 2, reasoningTokens: 1 },
  });
  lease.release();
  const failed = await pool.acquire("m", farDeadline(clock));
  fail(pool, failed, verdict("server_error"));
  const usage = pool.scopeRecord(pool.records[0], "m").usage;
  assert.deepEqual(
    [usage.window.requests, usage.window.successes, usage.window.failures, usage.window.promptTokens],
    [2, 1, 1, 10],
  );
  await clock.advance(12 * 3_600_000);
  const next = await pool.acquire("m", farDeadline(clock));
  pool.recordResult(next, { outcome: "success" });
  assert.equal(usage.window.requests, 1);
  assert.equal(usage.totals.requests, 3);
  assert.equal(usage.totals.completionTokens, 5);
});

Deno.test("KeyPool: one 5xx leaves a key available, a second in a row cools it on the 429 ladder", async () => {
  const { pool, clock } = makePool({ keys: 1 });
  const first = await pool.acquire("m", farDeadline(clock));
  fail(pool, first, verdict("server_error"));
  assert.equal(pool.stateOf(pool.records[0], "m").status, "available");
  const second = await pool.acquire("m", farDeadline(clock));
  fail(pool, second, verdict("server_error"));
  const state = pool.stateOf(pool.records[0], "m");
  assert.ok(state.status === "cooling" && state.reason === "server_error");
  assert.equal(state.untilMs - clock.now(), 10_000);
  // A success ends the streak: the next single 5xx does not cool.
  await clock.advance(10_000);
  const ok = await pool.acquire("m", farDeadline(clock));
  pool.recordResult(ok, { outcome: "success" });
  ok.release();
  const third = await pool.acquire("m", farDeadline(clock));
  fail(pool, third, verdict("server_error"));
  assert.equal(pool.stateOf(pool.records[0], "m").status, "available");
});

Deno.test("KeyPool: a timeout cools the key at once, on the escalating ladder", async () => {
  const { pool, clock } = makePool({ keys: 1 });
  const lease = await pool.acquire("m", farDeadline(clock));
  fail(pool, lease, verdict("timeout"));
  const state = pool.stateOf(pool.records[0], "m");
  assert.ok(state.status === "cooling" && state.reason === "timeout");
  assert.equal(state.untilMs - clock.now(), 10_000);
  await clock.advance(10_000);
  const again = await pool.acquire("m", farDeadline(clock));
  fail(pool, again, verdict("timeout"));
  assert.equal(pool.stateOf(pool.records[0], "m").status === "cooling" && remaining(pool, clock), 30_000);
});

function remaining(pool: KeyPool, clock: FakeClock): number {
  const state = pool.stateOf(pool.records[0], "m");
  return state.status === "available" ? 0 : state.untilMs - clock.now();
}
