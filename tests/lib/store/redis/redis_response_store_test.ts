/** Stored responses on a real redis-server, as two instances see them. */
import assert from "node:assert/strict";
import { RedisLink, RedisResponseStore } from "../../../../lib/store/redis/mod.ts";
import { startRedis } from "../../../helpers/redis_server.ts";

function stored(id: string, text: string) {
  return {
    response: { id, object: "response", output: [{ id: `msg_${id}`, type: "message", content: text }] },
    input: [{ id: `in_${id}`, type: "message", role: "user", content: "hi" }],
  };
}

Deno.test("RedisResponseStore: one instance keeps a response, the other reads, lists items of and deletes it", async () => {
  const redis = await startRedis();
  const prefix = `t${crypto.randomUUID().slice(0, 6)}`;
  const a = await RedisLink.connect({ url: redis.url, prefix });
  const b = await RedisLink.connect({ url: redis.url, prefix });
  try {
    const storeA = new RedisResponseStore(a, { ttlMs: 60_000 });
    const storeB = new RedisResponseStore(b, { ttlMs: 60_000 });
    await storeA.put("resp_1", stored("resp_1", "hello"));
    assert.deepEqual(await storeB.get("resp_1"), stored("resp_1", "hello"));
    assert.ok((await a.client.pttl(a.key("response:resp_1"))) > 59_000);
    const items = await storeB.items(["msg_resp_1", "in_resp_1", "nope"]);
    assert.deepEqual([...items.keys()].sort(), ["in_resp_1", "msg_resp_1"]);
    assert.equal(await storeB.delete("resp_1"), true);
    assert.equal(await storeA.get("resp_1"), null);
    assert.equal(await storeA.delete("resp_1"), false);
  } finally {
    await a.close();
    await b.close();
    await redis.stop();
  }
});

Deno.test("RedisResponseStore: the oldest go first past the count and byte bounds; a TTL of 0 keeps none", async () => {
  const redis = await startRedis();
  const link = await RedisLink.connect({ url: redis.url, prefix: "bounds" });
  try {
    const byCount = new RedisResponseStore(link, { ttlMs: 60_000, maxEntries: 2 });
    for (const id of ["r1", "r2", "r3"]) await byCount.put(id, stored(id, "x"));
    assert.equal(await byCount.get("r1"), null);
    assert.ok(await byCount.get("r2"));
    assert.ok(await byCount.get("r3"));
    const size = JSON.stringify(stored("r4", "y".repeat(100))).length;
    const byBytes = new RedisResponseStore(link, { ttlMs: 60_000, maxBytes: size * 2 + 10, maxEntries: 100 });
    for (const id of ["r4", "r5", "r6"]) await byBytes.put(id, stored(id, "y".repeat(100)));
    assert.equal(await byBytes.get("r4"), null);
    assert.ok(await byBytes.get("r6"));
    const none = new RedisResponseStore(link, { ttlMs: 0 });
    await none.put("r7", stored("r7", "z"));
    assert.equal(await none.get("r7"), null);
  } finally {
    await link.close();
    await redis.stop();
  }
});

Deno.test("RedisResponseStore: while Redis is away, this instance keeps and finds its responses in memory", async () => {
  const redis = await startRedis();
  const link = await RedisLink.connect({ url: redis.url, prefix: "away", maxReconnectDelayMs: 100 });
  try {
    const store = new RedisResponseStore(link, { ttlMs: 60_000 });
    await redis.stop();
    while (link.up) await new Promise((resolve) => setTimeout(resolve, 20));
    await store.put("resp_local", stored("resp_local", "kept"));
    assert.deepEqual(await store.get("resp_local"), stored("resp_local", "kept"));
  } finally {
    await link.close();
    await redis.stop();
  }
});
