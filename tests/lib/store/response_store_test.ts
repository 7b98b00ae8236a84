import assert from "node:assert/strict";
import { MemoryResponseStore } from "../../../lib/store/response_store.ts";

const stored = (text: string) => ({
  response: { id: text, output: [{ text }] },
  input: [{ role: "user", content: text }] as unknown[],
});

Deno.test("MemoryResponseStore.get() returns a copy until the TTL passes on the injected clock", async () => {
  let now = 1_000;
  const store = new MemoryResponseStore({ ttlMs: 60_000, now: () => now });
  await store.put("resp_1", stored("a"));
  const first = await store.get("resp_1");
  assert.deepEqual(first, stored("a"));
  first!.input.push("mutated");
  assert.deepEqual(await store.get("resp_1"), stored("a"));
  now += 59_999;
  assert.notEqual(await store.get("resp_1"), null);
  now += 1;
  assert.equal(await store.get("resp_1"), null);
  assert.deepEqual(store.size, { entries: 0, bytes: 0 });
});

Deno.test("MemoryResponseStore.put() evicts the oldest beyond its count and byte bounds", async () => {
  const byCount = new MemoryResponseStore({ ttlMs: 60_000, maxEntries: 2 });
  for (const id of ["a", "b", "c"]) await byCount.put(id, stored(id));
  assert.equal(await byCount.get("a"), null);
  assert.notEqual(await byCount.get("c"), null);
  const size = JSON.stringify(stored("x")).length;
  const byBytes = new MemoryResponseStore({ ttlMs: 60_000, maxBytes: size * 2 });
  for (const id of ["x", "y", "z"]) await byBytes.put(id, stored(id));
  assert.equal(await byBytes.get("x"), null);
  assert.ok(byBytes.size.bytes <= size * 2);
  await byBytes.put("big", stored("x".repeat(size * 3)));
  assert.equal(await byBytes.get("big"), null, "a response larger than the bound is not kept");
});

Deno.test("MemoryResponseStore.delete() forgets; a TTL of 0 keeps nothing", async () => {
  const store = new MemoryResponseStore({ ttlMs: 60_000 });
  await store.put("a", stored("a"));
  assert.equal(await store.delete("a"), true);
  assert.equal(await store.delete("a"), false);
  assert.equal(await store.get("a"), null);
  const off = new MemoryResponseStore({ ttlMs: 0 });
  await off.put("a", stored("a"));
  assert.equal(await off.get("a"), null);
});

Deno.test("MemoryResponseStore.items() finds kept items by id, and forgets those of evicted responses", async () => {
  const store = new MemoryResponseStore({ ttlMs: 60_000, maxEntries: 1 });
  const response = {
    id: "resp_1",
    output: [{ id: "msg_1", type: "message" }, { id: "fc_1", type: "function_call" }],
  };
  await store.put("resp_1", { response, input: [{ id: "in_1", role: "user", content: "hi" }] });
  const found = await store.items(["fc_1", "in_1", "nope"]);
  assert.deepEqual([...found.keys()], ["fc_1", "in_1"]);
  assert.deepEqual(found.get("fc_1"), { id: "fc_1", type: "function_call" });
  await store.put("resp_2", { response: { id: "resp_2", output: [] }, input: [] });
  assert.equal((await store.items(["msg_1"])).size, 0);
});
