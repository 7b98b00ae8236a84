/**
 * Session affinity across instances in SharedLeases.pickAndLease() against a real redis-server: two links
 * stand for two proxy instances behind a load balancer.
 */
import assert from "node:assert/strict";
import { RedisLink, SharedLeases } from "../../../../lib/store/redis/mod.ts";
import { startRedis } from "../../../helpers/redis_server.ts";

async function withTwoInstances(body: (a: SharedLeases, b: SharedLeases, link: RedisLink) => Promise<void>) {
  const server = await startRedis();
  const prefix = `t${crypto.randomUUID().slice(0, 6)}`;
  const linkA = await RedisLink.connect({ url: server.url, prefix });
  const linkB = await RedisLink.connect({ url: server.url, prefix });
  const a = new SharedLeases(linkA);
  const b = new SharedLeases(linkB);
  try {
    await body(a, b, linkA);
  } finally {
    a.close();
    b.close();
    await linkA.close();
    await linkB.close();
    await server.stop();
  }
}

const SESSION = { hint: "conversation-42", ttlMs: 60_000 };
const k = (credentialId: string, priority = 1) => ({ credentialId, capacity: 1, priority });

Deno.test("SharedLeases.pickAndLease(): a session leased on one instance keeps its credential on the other", async () => {
  await withTwoInstances(async (a, b) => {
    const first = await a.pickAndLease("openai", "gpt", [k("k1"), k("k2"), k("k3")], SESSION);
    assert.deepEqual(first.leased && first.index, 0);
    if (first.leased) await a.release("openai", first.leaseId);
    // B prefers another order, yet the session goes back to k1.
    const second = await b.pickAndLease("openai", "gpt", [k("k3"), k("k2"), k("k1")], SESSION);
    assert.deepEqual(second.leased && second.index, 2);
    // Without the hint, B's own order decides.
    const plain = await b.pickAndLease("openai", "gpt", [k("k3"), k("k2"), k("k1")]);
    assert.deepEqual(plain.leased && plain.index, 0);
  });
});

Deno.test("SharedLeases.pickAndLease(): a session whose credential is full moves, and stays where it moved", async () => {
  await withTwoInstances(async (a, b) => {
    const first = await a.pickAndLease("openai", "gpt", [k("k1"), k("k2")], SESSION);
    assert.ok(first.leased && first.index === 0);
    // k1 is still busy (capacity 1): B serves the session on k2, which becomes its credential.
    const moved = await b.pickAndLease("openai", "gpt", [k("k1"), k("k2")], SESSION);
    assert.deepEqual(moved.leased && moved.index, 1);
    await a.release("openai", first.leased ? first.leaseId : "");
    if (moved.leased) await b.release("openai", moved.leaseId);
    const after = await a.pickAndLease("openai", "gpt", [k("k1"), k("k2")], SESSION);
    assert.deepEqual(after.leased && after.index, 1);
  });
});

Deno.test("SharedLeases.pickAndLease(): a session never holds a worse priority while a better credential is free", async () => {
  await withTwoInstances(async (a, b) => {
    // The session overflowed to the second tier while the first was away (not offered).
    const overflow = await a.pickAndLease("openai", "gpt", [k("backup", 2)], SESSION);
    assert.ok(overflow.leased);
    await a.release("openai", overflow.leased ? overflow.leaseId : "");
    const back = await b.pickAndLease("openai", "gpt", [k("main", 1), k("backup", 2)], SESSION);
    assert.deepEqual(back.leased && back.index, 0);
  });
});

Deno.test("SharedLeases.pickAndLease(): the hint is stored hashed, with the session's TTL", async () => {
  await withTwoInstances(async (a, _b, link) => {
    await a.pickAndLease("openai", "gpt", [k("k1")], SESSION);
    const keys = await link.client.keys(`${link.prefix}:*`);
    assert.ok(keys.every((key) => !key.includes(SESSION.hint)), keys.join(", "));
    const ttl = await link.client.pttl(a.sessionKey("openai", SESSION.hint));
    assert.ok(ttl > 55_000 && ttl <= 60_000, `ttl ${ttl}`);
    assert.equal(await link.client.get(a.sessionKey("openai", SESSION.hint)), "k1");
  });
});
