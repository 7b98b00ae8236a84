import assert from "node:assert/strict";
import { defaultProviderRotation } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { KeyPool } from "../../../lib/rotator/key_pool.ts";
import { EventHub } from "../../../lib/rotator/events.ts";
import { PoolPersistence } from "../../../lib/rotator/persistence.ts";
import { classifiedAs } from "../../helpers/verdicts.ts";
import { JsonFileStore, type StateStore } from "../../../lib/store/state_store.ts";
import { createLogger } from "../../../lib/log/logger.ts";
import { FakeClock, settle } from "../../helpers/fake_clock.ts";

const SECRET_A = "sk-persist-aaaaaaaaaaaaaaaa-1";
const SECRET_B = "sk-persist-bbbbbbbbbbbbbbbb-2";

function makePool(clock: FakeClock, secrets = [SECRET_A, SECRET_B]) {
  return new KeyPool("demo", secrets.map((secret) => apiKeyCredential(secret)), {
    rotation: { ...defaultProviderRotation(), mode: "sequential" },
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    clock,
  });
}

async function spend(pool: KeyPool, clock: FakeClock) {
  const first = await pool.acquire("m", { deadlineAtMs: clock.now() + 1000 });
  pool.recordResult(first, {
    outcome: "failure",
    verdict: classifiedAs("rate_limit", clock.now() + 60_000),
  });
  first.release();
  const second = await pool.acquire("m", { deadlineAtMs: clock.now() + 1000 });
  pool.recordResult(second, {
    outcome: "failure",
    verdict: classifiedAs("auth"),
  });
  second.release();
}

Deno.test("KeyPool.snapshot()/restore() keep cooldowns, disables and usage across a restart", async () => {
  const clock = new FakeClock();
  const pool = makePool(clock);
  await spend(pool, clock);
  const snapshot = JSON.parse(JSON.stringify(pool.snapshot()));
  const text = JSON.stringify(snapshot);
  assert.equal(text.includes(SECRET_A) || text.includes(SECRET_B), false, "a secret was stored in plaintext");

  await clock.advance(30_000);
  const restarted = makePool(clock);
  assert.equal(restarted.restore(snapshot), 2);
  const [a, b] = restarted.records;
  const cooling = restarted.stateOf(a, "m");
  assert.equal(cooling.status === "cooling" && cooling.untilMs - clock.now(), 30_000);
  assert.equal(restarted.stateOf(b, "m").status, "disabled");
  assert.equal(a.scopes.get("m")!.usage.totals.failures, 1);

  // A key that is no longer configured is ignored; a new key starts fresh.
  const changed = makePool(clock, [SECRET_A, "sk-persist-cccccccccccccccc-3"]);
  assert.equal(changed.restore(snapshot), 1);
  assert.equal(changed.stateOf(changed.records[1], "m").status, "available");
});

Deno.test("PoolPersistence writes at most once per debounce window and flushes on demand", async () => {
  const clock = new FakeClock();
  const pool = makePool(clock);
  const saves: string[] = [];
  const store: StateStore = {
    load: () => Promise.resolve(null),
    save: (name) => {
      saves.push(name);
      return Promise.resolve();
    },
  };
  const persistence = new PoolPersistence(new Map([["demo", pool]]), { store, clock, debounceMs: 5_000 });
  for (let index = 0; index < 10; index++) persistence.markDirty("demo");
  await clock.advance(4_999);
  assert.deepEqual(saves, []);
  await clock.advance(1);
  assert.deepEqual(saves, ["usage_demo"]);
  persistence.markDirty("demo");
  await persistence.flush();
  assert.deepEqual(saves, ["usage_demo", "usage_demo"]);
  await clock.advance(10_000);
  assert.equal(saves.length, 2);
});

Deno.test("JsonFileStore saves atomically with mode 0600 and sets a corrupt file aside", async () => {
  const directory = await Deno.makeTempDir();
  const lines: string[] = [];
  const store = new JsonFileStore(
    `${directory}/usage`,
    createLogger("warn", (_level, line) => lines.push(line)),
  );
  await store.save("usage_demo", { version: 1 });
  assert.deepEqual(await store.load("usage_demo"), { version: 1 });
  if (Deno.build.os !== "windows") {
    assert.equal((await Deno.stat(`${directory}/usage/usage_demo.json`)).mode! & 0o777, 0o600);
  }
  await Deno.writeTextFile(`${directory}/usage/usage_demo.json`, "{ truncated");
  assert.equal(await store.load("usage_demo"), null);
  const names = [...Deno.readDirSync(`${directory}/usage`)].map((entry) => entry.name);
  assert.equal(names.length, 1);
  assert.match(names[0], /^usage_demo\.json\.corrupt-/);
  assert.match(lines.join("\n"), /not valid JSON/);
});

Deno.test("PoolPersistence writes a cooldown at once, without waiting for the usage debounce", async () => {
  const clock = new FakeClock();
  const events = new EventHub({ schedule: () => {} });
  const pool = new KeyPool("demo", [apiKeyCredential(SECRET_A)], {
    rotation: { ...defaultProviderRotation(), mode: "sequential" },
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    clock,
    events,
  });
  const saved: unknown[] = [];
  const store: StateStore = {
    load: () => Promise.resolve(null),
    save: (_name, document) => {
      saved.push(JSON.parse(JSON.stringify(document)));
      return Promise.resolve();
    },
  };
  const persistence = new PoolPersistence(new Map([["demo", pool]]), { store, clock, events });
  const lease = await pool.acquire("m", { deadlineAtMs: clock.now() + 1000 });
  pool.recordResult(lease, { outcome: "failure", verdict: classifiedAs("rate_limit", clock.now() + 30_000) });
  lease.release();
  persistence.markDirty("demo"); // the usage change, debounced
  events.flush();
  await settle(); // the clock has not moved: only the state change can have caused a write
  assert.equal(saved.length, 1, "the cooldown was not written before the debounce");
  const restarted = new KeyPool("demo", [apiKeyCredential(SECRET_A)], {
    rotation: { ...defaultProviderRotation(), mode: "sequential" },
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    clock,
  });
  restarted.restore(saved[0]);
  assert.equal(restarted.stateOf(restarted.records[0], "m").status, "cooling");
  persistence.close();
});

Deno.test("KeyPool.restore() clamps a cooldown far in the future and drops broken counters", () => {
  const clock = new FakeClock();
  const pool = makePool(clock);
  const [record] = pool.records;
  const restored = pool.restore({
    version: 1,
    credentials: {
      [record.credential.id]: {
        label: "…",
        disabled: { status: "available" },
        scopes: {
          m: {
            state: { status: "cooling", untilMs: 9e15, reason: "rate_limit" },
            strikes: 1e9,
            usage: {
              windowId: 1,
              window: { requests: -5, successes: "x" },
              totals: { requests: 1e300, failures: 2 },
            },
          },
        },
      },
    },
  });
  assert.equal(restored, 1);
  const state = pool.stateOf(record, "m");
  assert.ok(state.status === "cooling");
  assert.ok(state.untilMs <= clock.now() + 7 * 24 * 3_600_000, "the cooldown was not clamped");
  const scoped = record.scopes.get("m")!;
  assert.equal(scoped.usage.window.requests, 0);
  assert.equal(scoped.usage.totals.requests, 0);
  assert.equal(scoped.usage.totals.failures, 2);
  assert.ok(scoped.strikes <= 100);
});
