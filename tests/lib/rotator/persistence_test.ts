import assert from "node:assert/strict";
import { defaultProviderRotation } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { KeyPool } from "../../../lib/rotator/key_pool.ts";
import { exportPool, importPool, PoolPersistence } from "../../../lib/rotator/persistence.ts";
import { JsonFileStore, type StateStore } from "../../../lib/store/state_store.ts";
import { createLogger } from "../../../lib/log/logger.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

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
    verdict: { failureClass: "rate_limit", retryable: true, resetAtMs: clock.now() + 60_000, summary: "" },
  });
  first.release();
  const second = await pool.acquire("m", { deadlineAtMs: clock.now() + 1000 });
  pool.recordResult(second, {
    outcome: "failure",
    verdict: { failureClass: "auth", retryable: true, resetAtMs: null, summary: "" },
  });
  second.release();
}

Deno.test("exportPool()/importPool() keep cooldowns, disables and usage across a restart", async () => {
  const clock = new FakeClock();
  const pool = makePool(clock);
  await spend(pool, clock);
  const snapshot = JSON.parse(JSON.stringify(exportPool(pool, clock.now())));
  const text = JSON.stringify(snapshot);
  assert.equal(text.includes(SECRET_A) || text.includes(SECRET_B), false, "a secret was stored in plaintext");

  await clock.advance(30_000);
  const restarted = makePool(clock);
  assert.equal(importPool(restarted, snapshot, clock.now()), 2);
  const [a, b] = restarted.records;
  const cooling = restarted.stateOf(a, "m");
  assert.equal(cooling.status === "cooling" && cooling.untilMs - clock.now(), 30_000);
  assert.equal(restarted.stateOf(b, "m").status, "disabled");
  assert.equal(a.scopes.get("m")!.usage.totals.failures, 1);

  // A key that is no longer configured is ignored; a new key starts fresh.
  const changed = makePool(clock, [SECRET_A, "sk-persist-cccccccccccccccc-3"]);
  assert.equal(importPool(changed, snapshot, clock.now()), 1);
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
