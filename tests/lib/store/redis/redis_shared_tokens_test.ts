/** RedisSharedTokens against a real redis-server: two links stand for two proxy instances. */
import assert from "node:assert/strict";
import { RedisLink, RedisSharedTokens } from "../../../../lib/store/redis/mod.ts";
import { startRedis } from "../../../helpers/redis_server.ts";
import { eventually } from "../../../helpers/wait.ts";

const STORED = {
  provider: "openai_codex",
  account: "me@example.com",
  access_token: "access-secret-1",
  refresh_token: "refresh-secret-1",
  expiry_date: 1_900_000_000_000,
};

Deno.test("RedisSharedTokens: tokens written by one instance are read by the other, announced by account id only", async () => {
  const server = await startRedis();
  const prefix = `t${crypto.randomUUID().slice(0, 6)}`;
  const a = await RedisLink.connect({ url: server.url, prefix });
  const b = await RedisLink.connect({ url: server.url, prefix });
  try {
    const news: string[] = [];
    new RedisSharedTokens(b).watch((accountId) => news.push(accountId));
    // Let the subscription reach the server before the news is published.
    await eventually(async () =>
      (await a.client.pubsub("NUMSUB", a.key("oauth-news")))[1] === 1 || undefined
    );
    await new RedisSharedTokens(a, { tokensTtlMs: 60_000 }).write("acct1", STORED);
    assert.deepEqual(await new RedisSharedTokens(b).read("acct1"), STORED);
    assert.equal(await new RedisSharedTokens(b).read("unknown"), null);
    await eventually(() => news.length === 1 || undefined, { what: "the news" });
    assert.deepEqual(news, ["acct1"]);
    const ttl = await a.client.pttl(a.key("oauth", "acct1"));
    assert.ok(ttl > 55_000 && ttl <= 60_000, `ttl ${ttl}`);
  } finally {
    await a.close();
    await b.close();
    await server.stop();
  }
});

Deno.test("RedisSharedTokens.lock(): one holder at a time, kept past its TTL while the holder lives, freed by expiry when it dies", async () => {
  const server = await startRedis();
  const prefix = `t${crypto.randomUUID().slice(0, 6)}`;
  const a = await RedisLink.connect({ url: server.url, prefix });
  const b = await RedisLink.connect({ url: server.url, prefix });
  try {
    const tokensA = new RedisSharedTokens(a, { lockTtlMs: 1000 });
    const tokensB = new RedisSharedTokens(b, { lockTtlMs: 1000 });
    const held = await tokensA.lock("acct1");
    assert.ok(held);
    assert.equal(await tokensB.lock("acct1"), null);
    // The holder renews: well past the TTL the lock is still its own.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(await tokensB.lock("acct1"), null);
    await held.release();
    const next = await tokensB.lock("acct1");
    assert.ok(next, "released: the other takes it");
    // The holder dies (its connection is gone, nothing renews): the lock frees by its expiry.
    await b.close();
    const freed = await eventually(async () => await tokensA.lock("acct1") ?? undefined, {
      what: "the dead holder's lock expiring",
    });
    await freed.release();
    await next.release().catch(() => {});
  } finally {
    await a.close();
    await server.stop();
  }
});
