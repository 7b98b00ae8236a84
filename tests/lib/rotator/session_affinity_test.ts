/** Soft session affinity: a session hint keeps a conversation on one key while that key may serve it. */
import assert from "node:assert/strict";
import {
  defaultProviderRotation,
  parseRotationSettings,
  type RotationSettings,
} from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { KeyPool } from "../../../lib/rotator/key_pool.ts";
import { Rotator } from "../../../lib/rotator/rotator.ts";
import { SessionAffinity } from "../../../lib/rotator/session_affinity.ts";
import type { SharedCandidate, SharedPick, SharedPool } from "../../../lib/rotator/shared_pool.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import { classifiedAs } from "../../helpers/verdicts.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

const SECRETS = ["sk-key-aaaaaaaaaaaa-0001", "sk-key-bbbbbbbbbbbb-0002", "sk-key-cccccccccccc-0003"];

function makePool(
  options: {
    clock?: FakeClock;
    affinity?: boolean;
    shared?: SharedPool;
    keys?: number;
    priorities?: number[];
  } = {},
) {
  const clock = options.clock ?? new FakeClock();
  const credentials = SECRETS.slice(0, options.keys ?? 3).map((secret, index) =>
    apiKeyCredential(secret, options.priorities?.[index] ?? 1)
  );
  const pool = new KeyPool("test", credentials, {
    // Balanced with tolerance 0: without a session the least used idle key serves, deterministically.
    rotation: { ...defaultProviderRotation(), mode: "balanced" },
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    clock,
    affinity: options.affinity === false ? undefined : new SessionAffinity({ clock }),
    shared: options.shared,
  });
  return { pool, clock, credentials };
}

/** One successful call on `pool`; returns the index of the key that served it. */
async function call(pool: KeyPool, clock: FakeClock, session?: string): Promise<number> {
  const lease = await pool.acquire("m", { deadlineAtMs: clock.now() + 30_000, session });
  pool.recordResult(lease, { outcome: "success" });
  lease.release();
  return pool.records.findIndex((record) => record.credential.id === lease.credential.id);
}

Deno.test("SessionAffinity forgets a session after its time to live (fake clock)", async () => {
  const clock = new FakeClock();
  const affinity = new SessionAffinity({ clock, ttlMs: 1_000 });
  affinity.remember("s", 2);
  await clock.advance(999);
  assert.equal(affinity.indexOf("s"), 2);
  await clock.advance(1);
  assert.equal(affinity.indexOf("s"), -1);
  assert.equal(affinity.size, 0);
});

Deno.test("SessionAffinity keeps at most maxSessions, dropping the least recently used", () => {
  const affinity = new SessionAffinity({ clock: new FakeClock(), maxSessions: 2 });
  affinity.remember("a", 0);
  affinity.remember("b", 1);
  affinity.remember("a", 0); // a is used again: b is now the least recent
  affinity.remember("c", 2);
  assert.equal(affinity.size, 2);
  assert.equal(affinity.indexOf("b"), -1);
  assert.equal(affinity.indexOf("a"), 0);
  assert.equal(affinity.indexOf("c"), 2);
});

Deno.test("SessionAffinity cuts very long hints, so memory stays bounded per session", () => {
  const affinity = new SessionAffinity({ clock: new FakeClock() });
  affinity.remember("x".repeat(10_000), 1);
  assert.equal(affinity.indexOf(`${"x".repeat(256)}y`), 1);
});

Deno.test("KeyPool.acquire() with a session goes back to the key that served it, over the least used", async () => {
  const { pool, clock } = makePool();
  const first = await call(pool, clock, "conversation-1");
  assert.equal(first, 0);
  // Without a session, balanced selection moves on to the less used keys…
  assert.equal(await call(pool, clock), 1);
  assert.equal(await call(pool, clock), 2);
  assert.equal(await call(pool, clock), 0);
  assert.equal(await call(pool, clock), 1);
  // …key 0 is now among the most used, yet the session stays on it.
  for (let turn = 0; turn < 3; turn++) assert.equal(await call(pool, clock, "conversation-1"), 0);
  // Another session starts on the least used key, and stays there too.
  const other = await call(pool, clock, "conversation-2");
  assert.notEqual(other, 0);
  assert.equal(await call(pool, clock, "conversation-2"), other);
});

Deno.test("KeyPool.acquire(): a session whose key is at its cap gets another key, which becomes its own", async () => {
  const { pool, clock } = makePool();
  assert.equal(await call(pool, clock, "s"), 0);
  const busy = await pool.acquire("m", { deadlineAtMs: clock.now() + 30_000, session: "s" });
  assert.equal(busy.credential.id, pool.records[0].credential.id);
  // Key 0 carries one call (its cap): the session's next call goes elsewhere at once, it does not wait.
  const moved = await call(pool, clock, "s");
  assert.notEqual(moved, 0);
  busy.release();
  assert.equal(await call(pool, clock, "s"), moved);
});

Deno.test("KeyPool.acquire(): a session whose key rests moves, and does not come back when the rest ends", async () => {
  const { pool, clock } = makePool();
  assert.equal(await call(pool, clock, "s"), 0);
  const lease = await pool.acquire("m", { deadlineAtMs: clock.now() + 30_000, session: "s" });
  pool.recordResult(lease, { outcome: "failure", verdict: classifiedAs("rate_limit", clock.now() + 5_000) });
  lease.release();
  const moved = await call(pool, clock, "s");
  assert.notEqual(moved, 0);
  await clock.advance(5_000);
  assert.equal(await call(pool, clock, "s"), moved);
});

Deno.test("KeyPool.acquire(): a key excluded from the call (it failed in it) is not forced by the session", async () => {
  const { pool, clock } = makePool();
  assert.equal(await call(pool, clock, "s"), 0);
  const exclude = new Set([pool.records[0].credential.id]);
  const lease = await pool.acquire("m", { deadlineAtMs: clock.now() + 30_000, session: "s", exclude });
  assert.notEqual(lease.credential.id, pool.records[0].credential.id);
  lease.release();
});

Deno.test("KeyPool.acquire(): a session that overflowed to a worse tier returns once a better key is free", async () => {
  const { pool, clock } = makePool({ priorities: [1, 2, 2] });
  const held = await pool.acquire("m", { deadlineAtMs: clock.now() + 30_000 });
  assert.equal(held.credential.id, pool.records[0].credential.id);
  // The only first-tier key is busy: the session starts on the second tier…
  assert.equal(await call(pool, clock, "s"), 1);
  held.release();
  // …and goes back to the first tier as soon as it is free, as any call would.
  assert.equal(await call(pool, clock, "s"), 0);
  assert.equal(await call(pool, clock, "s"), 0);
});

Deno.test("KeyPool.acquire() without affinity ignores the session", async () => {
  const { pool, clock } = makePool({ affinity: false });
  assert.equal(await call(pool, clock, "s"), 0);
  assert.equal(await call(pool, clock, "s"), 1);
  assert.equal(await call(pool, clock, "s"), 2);
});

/** A shared store that leases the first candidate with room, and records each candidate order. */
function fakeShared(): SharedPool & { orders: string[][] } {
  const inFlight = new Map<string, number>();
  const leases = new Map<string, string>();
  let next = 0;
  return {
    orders: [],
    up: true,
    pollMs: 50,
    pickAndLease(
      _provider: string,
      _scope: string,
      candidates: readonly SharedCandidate[],
    ): Promise<SharedPick> {
      this.orders.push(candidates.map((candidate) => candidate.credentialId));
      const index = candidates.findIndex((candidate) =>
        (inFlight.get(candidate.credentialId) ?? 0) < candidate.capacity
      );
      if (index < 0) return Promise.resolve({ leased: false, reason: "busy" });
      const id = candidates[index].credentialId;
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      const leaseId = `lease-${next++}`;
      leases.set(leaseId, id);
      return Promise.resolve({ leased: true, index, leaseId });
    },
    release(_provider: string, leaseId: string) {
      const id = leases.get(leaseId);
      if (id !== undefined) inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
      leases.delete(leaseId);
    },
    publishRest() {},
    rests: () => Promise.resolve([]),
    addUsage() {},
    watch() {},
  };
}

Deno.test("KeyPool.acquire() on shared state offers the session's key first, and follows where it lands", async () => {
  const shared = fakeShared();
  const { pool, clock, credentials } = makePool({ shared });
  assert.equal(await call(pool, clock, "s"), 0);
  // Balanced selection alone would now offer key 1 first (key 0 has been used).
  assert.equal(await call(pool, clock), 1);
  assert.equal(await call(pool, clock, "s"), 0);
  assert.equal(shared.orders.at(-1)![0], credentials[0].id);
  // Another instance holds key 0's only slot: the store passes over it and the session follows.
  const elsewhere = await shared.pickAndLease("test", "m", [{
    credentialId: credentials[0].id,
    capacity: 1,
  }]);
  assert.ok(elsewhere.leased);
  const moved = await call(pool, clock, "s");
  assert.notEqual(moved, 0);
  assert.equal(shared.orders.at(-1)![0], credentials[0].id);
  shared.release("test", elsewhere.leaseId);
  assert.equal(await call(pool, clock, "s"), moved);
});

function rotatorWith(sessionAffinity: boolean | undefined) {
  const clock = new FakeClock();
  const provider: ConfiguredProvider = {
    id: "p",
    adapter: openai,
    baseUrl: "http://127.0.0.1:9/v1",
    credentials: SECRETS.map((secret) => apiKeyCredential(secret)),
    custom: false,
    configuredModels: [],
  };
  const settings: RotationSettings = {
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    providers: new Map([["p", { ...defaultProviderRotation(), mode: "balanced" }]]),
    aliases: new Map(),
    ...(sessionAffinity === undefined ? {} : { sessionAffinity }),
  };
  const rotator = new Rotator([provider], { settings, globalTimeoutMs: 30_000, clock, random: () => 0 });
  const run = async (session?: string) => {
    const result = await rotator.execute({
      targets: [{ provider, model: "m" }],
      attempt: () => Promise.resolve("ok"),
      facts: { session },
    });
    result.finish({ ok: true });
    return provider.credentials.findIndex((credential) => credential.id === result.credential.id);
  };
  return run;
}

Deno.test("Rotator.execute() keeps a session (facts.session) on one key; SESSION_AFFINITY=false turns it off", async () => {
  const sticky = rotatorWith(undefined);
  assert.deepEqual([await sticky("s"), await sticky(), await sticky("s"), await sticky("s")], [0, 1, 0, 0]);
  const plain = rotatorWith(false);
  assert.deepEqual([await plain("s"), await plain(), await plain("s")], [0, 1, 2]);
});

Deno.test("parseRotationSettings() reads SESSION_AFFINITY (default true) and refuses other values", () => {
  assert.equal(parseRotationSettings({}, []).sessionAffinity, true);
  assert.equal(parseRotationSettings({ SESSION_AFFINITY: "false" }, []).sessionAffinity, false);
  assert.equal(parseRotationSettings({ SESSION_AFFINITY: "TRUE" }, []).sessionAffinity, true);
  assert.throws(() => parseRotationSettings({ SESSION_AFFINITY: "sometimes" }, []), /SESSION_AFFINITY/);
});
