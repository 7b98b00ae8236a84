import assert from "node:assert/strict";
import {
  leastUsed,
  selectCredential,
  type SelectionColumns,
  type SelectionMode,
  weightedRandom,
} from "../../../lib/rotator/selection.ts";

interface Key {
  cooling?: boolean;
  disabled?: boolean;
  excluded?: boolean;
  inFlight?: number;
  capacity?: number;
  priority?: number;
  usage?: number;
}

const NOW = 1_000;

function columns(keys: Key[]): SelectionColumns {
  const count = keys.length;
  const anyExcluded = keys.some((key) => key.excluded);
  return {
    count,
    priority: Int32Array.from(keys, (key) => key.priority ?? 1),
    capacity: Int32Array.from(keys, (key) => key.capacity ?? 1),
    disabledUntil: Float64Array.from(keys, (key) => key.disabled ? NOW + 1 : 0),
    coolUntil: Float64Array.from(keys, (key) => key.cooling ? NOW + 1 : key.cooling === false ? NOW : 0),
    inFlight: Int32Array.from(keys, (key) => key.inFlight ?? 0),
    usage: Int32Array.from(keys, (key) => key.usage ?? 0),
    excluded: anyExcluded ? Uint8Array.from(keys, (key) => key.excluded ? 1 : 0) : null,
  };
}

const pick = (keys: Key[], mode: SelectionMode = "balanced", tolerance = 0, random = () => 0) =>
  selectCredential(columns(keys), NOW, { mode, tolerance, random });

Deno.test("selectCredential() skips cooling, disabled, excluded and full keys; a cooldown ending now is over", () => {
  assert.equal(pick([{ cooling: true }, { disabled: true }, { excluded: true }, { inFlight: 1 }, {}]), 4);
  assert.equal(pick([{ cooling: false }]), 0);
  assert.equal(pick([{ cooling: true }, { inFlight: 2, capacity: 2 }]), -1);
  assert.equal(pick([]), -1);
});

Deno.test("selectCredential() always prefers a lower priority number while it has a free slot", () => {
  assert.equal(pick([{ priority: 2 }, { priority: 1, usage: 500 }]), 1);
  assert.equal(pick([{ priority: 2 }, { priority: 1, usage: 500 }], "sequential"), 1);
  assert.equal(pick([{ priority: 2 }, { priority: 1, inFlight: 1 }]), 0);
  assert.equal(
    pick([{ priority: 3 }, { priority: 2, cooling: true }, { priority: 3, usage: 0 }], "sequential"),
    0,
  );
});

Deno.test("selectCredential() balanced prefers fewer in flight, then least used (tolerance 0)", () => {
  assert.equal(
    pick([{ inFlight: 1, capacity: 3, usage: 0 }, { usage: 9, capacity: 3 }, { usage: 2, capacity: 3 }]),
    2,
  );
  assert.equal(pick([{ usage: 1 }, { usage: 1 }]), 0);
});

Deno.test("selectCredential() sequential keeps using the first usable key", () => {
  assert.equal(pick([{ cooling: true }, { usage: 100 }, { usage: 0 }], "sequential"), 1);
  assert.equal(pick([{ inFlight: 1 }, { usage: 100 }, { usage: 0 }], "sequential"), 1);
});

Deno.test("leastUsed() and weightedRandom() weigh by maxUsage - usage + tolerance", () => {
  const usage = Int32Array.from([10, 0]);
  const candidates = Int32Array.from([0, 1]);
  assert.equal(leastUsed(candidates, 2, usage), 1);
  // Weights: key 0 = 0 + 3, key 1 = 10 + 3; total 16.
  assert.equal(weightedRandom(candidates, 2, usage, 3, () => 0), 0);
  assert.equal(weightedRandom(candidates, 2, usage, 3, () => 2.9 / 16), 0);
  assert.equal(weightedRandom(candidates, 2, usage, 3, () => 3.1 / 16), 1);
  assert.equal(weightedRandom(candidates, 2, usage, 3, () => 0.999), 1);
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  let first = 0;
  for (let index = 0; index < 10_000; index++) {
    if (weightedRandom(candidates, 2, usage, 3, random) === 0) first++;
  }
  assert.ok(Math.abs(first / 10_000 - 3 / 16) < 0.02, String(first));
});
