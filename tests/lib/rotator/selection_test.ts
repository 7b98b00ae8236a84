import assert from "node:assert/strict";
import { selectCredential, type SelectionView, weightedRandom } from "../../../lib/rotator/selection.ts";

interface Key {
  name: string;
  usable?: boolean;
  inFlight?: number;
  capacity?: number;
  priority?: number;
  usage?: number;
}

const view: SelectionView<Key> = {
  usable: (key) => key.usable ?? true,
  inFlight: (key) => key.inFlight ?? 0,
  capacity: (key) => key.capacity ?? 1,
  priority: (key) => key.priority ?? 1,
  usage: (key) => key.usage ?? 0,
};

const pick = (keys: Key[], mode: "balanced" | "sequential" = "balanced", tolerance = 0, random = () => 0) =>
  selectCredential(keys, view, { mode, tolerance, random })?.name ?? null;

Deno.test("selectCredential() skips unusable keys and keys at their concurrency cap", () => {
  assert.equal(pick([{ name: "a", usable: false }, { name: "b", inFlight: 1 }, { name: "c" }]), "c");
  assert.equal(pick([{ name: "a", usable: false }, { name: "b", inFlight: 2, capacity: 2 }]), null);
  assert.equal(pick([]), null);
});

Deno.test("selectCredential() always prefers a lower priority number while it has a free slot", () => {
  const keys = [{ name: "tier2", priority: 2 }, { name: "tier1", priority: 1, usage: 500 }];
  assert.equal(pick(keys), "tier1");
  assert.equal(pick(keys, "sequential"), "tier1");
  assert.equal(pick([{ name: "tier2", priority: 2 }, { name: "tier1", priority: 1, inFlight: 1 }]), "tier2");
});

Deno.test("selectCredential() balanced prefers fewer in flight, then least used (tolerance 0)", () => {
  const keys = [
    { name: "busy", inFlight: 1, capacity: 3, usage: 0 },
    { name: "used", usage: 9, capacity: 3 },
    { name: "fresh", usage: 2, capacity: 3 },
  ];
  assert.equal(pick(keys), "fresh");
  assert.equal(pick([{ name: "a", usage: 1 }, { name: "b", usage: 1 }]), "a");
});

Deno.test("selectCredential() sequential keeps using the first usable key", () => {
  const keys = [{ name: "a", usable: false }, { name: "b", usage: 100 }, { name: "c", usage: 0 }];
  assert.equal(pick(keys, "sequential"), "b");
  assert.equal(pick([{ name: "a", inFlight: 1 }, ...keys.slice(1)], "sequential"), "b");
});

Deno.test("weightedRandom() weighs by maxUsage - usage + tolerance", () => {
  const keys = [{ name: "a", usage: 10 }, { name: "b", usage: 0 }];
  // Weights: a = 0 + 3, b = 10 + 3; total 16.
  assert.equal(weightedRandom(keys, view, 3, () => 0).name, "a");
  assert.equal(weightedRandom(keys, view, 3, () => 2.9 / 16).name, "a");
  assert.equal(weightedRandom(keys, view, 3, () => 3.1 / 16).name, "b");
  assert.equal(weightedRandom(keys, view, 3, () => 0.999).name, "b");
  const counts = { a: 0, b: 0 };
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let index = 0; index < 10_000; index++) {
    counts[weightedRandom(keys, view, 3, random).name as "a" | "b"]++;
  }
  assert.ok(Math.abs(counts.a / 10_000 - 3 / 16) < 0.02, JSON.stringify(counts));
});
