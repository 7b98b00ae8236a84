/**
 * The shared-state building blocks against a real redis-server (started on a free 127.0.0.1 port):
 * two links stand for two proxy instances.
 */
import assert from "node:assert/strict";
import {
  RedisDocumentStore,
  RedisLink,
  RedisUnavailableError,
  SharedLeases,
  SharedStates,
  SharedUsage,
  tryLock,
  unlock,
} from "../../../../lib/store/redis/mod.ts";
import { createLogger } from "../../../../lib/log/logger.ts";
import { freePort, type RedisServer, startRedis } from "../../../helpers/redis_server.ts";
import { eventually } from "../../../helpers/wait.ts";

async function withRedis(
  body: (server: RedisServer, a: RedisLink, b: RedisLink) => Promise<void>,
): Promise<void> {
  const server = await startRedis();
  const prefix = `t${crypto.randomUUID().slice(0, 6)}`;
  const a = await RedisLink.connect({ url: server.url, prefix });
  const b = await RedisLink.connect({ url: server.url, prefix });
  try {
    await body(server, a, b);
  } finally {
    await a.close();
    await b.close();
    await server.stop();
  }
}

const CANDIDATES = [{ credentialId: "k1", capacity: 2 }, { credentialId: "k2", capacity: 2 }];

Deno.test("SharedLeases.pickAndLease() never lets two instances exceed a key's cap", async () => {
  await withRedis(async (_server, a, b) => {
    const leasesA = new SharedLeases(a);
    const leasesB = new SharedLeases(b);
    const only = [CANDIDATES[0]];
    const first = await leasesA.pickAndLease("openai", "gpt", only);
    const second = await leasesB.pickAndLease("openai", "gpt", only);
    const third = await leasesB.pickAndLease("openai", "gpt", only);
    assert.equal(first.leased, true);
    assert.equal(second.leased, true);
    assert.deepEqual(third, { leased: false, reason: "busy" });
    assert.equal(await leasesA.inFlight("openai", "k1", "gpt"), 2);
    // A release on A wakes B, which then gets the slot.
    const woken: string[] = [];
    await leasesB.onRelease("openai", (key) => woken.push(key));
    if (first.leased) await leasesA.release("openai", first.leaseId);
    await eventually(() => woken.length > 0 ? true : undefined, { what: "the release message" });
    assert.equal((await leasesB.pickAndLease("openai", "gpt", only)).leased, true);
    // Other models of the same key have their own slots.
    assert.equal((await leasesA.pickAndLease("openai", "other", only)).leased, true);
    leasesA.close();
    leasesB.close();
  });
});

Deno.test("SharedLeases.pickAndLease() skips a key another instance cooled, in the same round trip", async () => {
  await withRedis(async (_server, a, b) => {
    const states = new SharedStates(a);
    const leases = new SharedLeases(b);
    await states.set("openai", "k1", "gpt", {
      state: "cooling",
      reason: "rate_limit",
      untilMs: Date.now() + 60_000,
    });
    const picked = await leases.pickAndLease("openai", "gpt", CANDIDATES);
    assert.equal(picked.leased && picked.index, 1);
    // A credential-wide disable counts for every model.
    await states.set("openai", "k2", null, {
      state: "disabled",
      reason: "auth",
      untilMs: Date.now() + 60_000,
    });
    assert.deepEqual(await leases.pickAndLease("openai", "gpt", CANDIDATES), {
      leased: false,
      reason: "cooling",
    });
    // Another model of k1 is not cooled by k1's rest on "gpt", but k2 stays disabled for it.
    const other = await leases.pickAndLease("openai", "other", CANDIDATES);
    assert.equal(other.leased && other.index, 0);
    leases.close();
  });
});

Deno.test("SharedLeases: a crashed instance's slots come back after the lease expiry", async () => {
  await withRedis(async (_server, a, b) => {
    const crashed = new SharedLeases(a, { leaseTtlMs: 300 });
    const survivor = new SharedLeases(b, { leaseTtlMs: 300 });
    const only = [CANDIDATES[0]];
    assert.equal((await crashed.pickAndLease("openai", "gpt", only)).leased, true);
    assert.equal((await crashed.pickAndLease("openai", "gpt", only)).leased, true);
    crashed.close(); // no renewal, no release: as after kill -9
    assert.equal((await survivor.pickAndLease("openai", "gpt", only)).leased, false);
    const lease = await eventually(async () => {
      const result = await survivor.pickAndLease("openai", "gpt", only);
      return result.leased ? result : undefined;
    }, { what: "the expired slots", timeoutMs: 5000 });
    assert.equal(lease.leased, true);
    survivor.close();
  });
});

Deno.test("SharedLeases.renew() keeps a live instance's leases past the TTL", async () => {
  await withRedis(async (_server, a, b) => {
    const holder = new SharedLeases(a, { leaseTtlMs: 400 });
    const other = new SharedLeases(b, { leaseTtlMs: 400 });
    const only = [{ credentialId: "k1", capacity: 1 }];
    assert.equal((await holder.pickAndLease("openai", "gpt", only)).leased, true);
    const until = Date.now() + 900;
    while (Date.now() < until) {
      assert.equal((await other.pickAndLease("openai", "gpt", only)).leased, false);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    holder.close();
    other.close();
  });
});

Deno.test("SharedStates: a rest expires by its own TTL and is listed with its scope", async () => {
  await withRedis(async (_server, a, b) => {
    const statesA = new SharedStates(a);
    const statesB = new SharedStates(b);
    const seen: unknown[] = [];
    await statesB.onChange(
      "openai",
      (credentialId, scope, record) => seen.push({ credentialId, scope, record }),
    );
    const untilMs = Date.now() + 30_000;
    await statesA.set("openai", "k1", "gpt-4o:mini", {
      state: "cooling",
      reason: "rate_limit",
      untilMs,
      step: 2,
    });
    await statesA.set("openai", "k2", null, { state: "needs_relogin", reason: "invalid_grant" });
    const ttl = await a.client.pttl(a.key("state", "openai", "k1", "gpt-4o:mini"));
    assert.ok(ttl > 29_000 && ttl <= 30_000, `ttl ${ttl}`);
    assert.equal(await a.client.pttl(a.key("state", "openai", "k2", "*")), -1);
    const all = (await statesB.all("openai")).sort((x, y) => x.credentialId.localeCompare(y.credentialId));
    assert.deepEqual(all, [
      {
        credentialId: "k1",
        scope: "gpt-4o:mini",
        record: { state: "cooling", reason: "rate_limit", untilMs, step: 2 },
      },
      { credentialId: "k2", scope: null, record: { state: "needs_relogin", reason: "invalid_grant" } },
    ]);
    await eventually(() => seen.length === 2 ? true : undefined, { what: "both change messages" });
    await statesA.clear("openai", "k1", "gpt-4o:mini");
    assert.equal((await statesB.all("openai")).length, 1);
    // A rest that is already over is not written at all.
    await statesA.set("openai", "k3", null, { state: "cooling", reason: "timeout", untilMs: Date.now() - 1 });
    assert.equal((await statesB.all("openai")).length, 1);
  });
});

Deno.test("SharedUsage: counts added through two instances are read as their sum", async () => {
  await withRedis(async (_server, a, b) => {
    const target = { credentialId: "k1", scope: "gpt", windowId: 20_000 };
    await new SharedUsage(a).add("openai", target, {
      requests: 1,
      successes: 1,
      promptTokens: 10,
      costUsd: 0.5,
    });
    await new SharedUsage(b).add("openai", target, {
      requests: 1,
      failures: 1,
      completionTokens: 7,
      costUsd: 0.25,
    });
    await new SharedUsage(b).add("openai", { ...target, windowId: 19_999 }, { requests: 5 });
    const [entry] = await new SharedUsage(a).read("openai", 20_000);
    assert.equal(entry.credentialId, "k1");
    assert.equal(entry.scope, "gpt");
    assert.deepEqual(entry.window, {
      requests: 2,
      successes: 1,
      failures: 1,
      promptTokens: 10,
      completionTokens: 7,
      cachedTokens: 0,
      reasoningTokens: 0,
      costUsd: 0.75,
    });
    assert.equal(entry.totals.requests, 7);
  });
});

Deno.test("tryLock()/unlock(): one holder at a time, released only by its holder", async () => {
  await withRedis(async (_server, a, b) => {
    const token = await tryLock(a, "refresh:gemini_cli:me@example.com", 10_000);
    assert.ok(token);
    assert.equal(await tryLock(b, "refresh:gemini_cli:me@example.com", 10_000), null);
    assert.equal(await unlock(b, "refresh:gemini_cli:me@example.com", "not-the-token"), false);
    assert.equal(await unlock(a, "refresh:gemini_cli:me@example.com", token), true);
    assert.ok(await tryLock(b, "refresh:gemini_cli:me@example.com", 10_000));
  });
});

Deno.test("RedisDocumentStore: documents round-trip, with a TTL when asked", async () => {
  await withRedis(async (_server, a, b) => {
    await new RedisDocumentStore(a).save("responses/resp_1", { id: "resp_1" }, { ttlMs: 60_000 });
    assert.deepEqual(await new RedisDocumentStore(b).load("responses/resp_1"), { id: "resp_1" });
    const ttl = await a.client.pttl(a.key("doc", "responses/resp_1"));
    assert.ok(ttl > 59_000, `ttl ${ttl}`);
    assert.equal(await new RedisDocumentStore(b).delete("responses/resp_1"), true);
    assert.equal(await new RedisDocumentStore(a).load("responses/resp_1"), null);
  });
});

Deno.test("RedisLink.connect() refuses an unreachable Redis with a clear error, password masked", async () => {
  const port = await freePort();
  await assert.rejects(
    RedisLink.connect({ url: `redis://:hunter2-secret@127.0.0.1:${port}/0`, connectTimeoutMs: 1000 }),
    (error: Error) => {
      assert.ok(error instanceof RedisUnavailableError);
      assert.match(error.message, /cannot reach the state store at redis:\/\/:\*\*\*@127\.0\.0\.1/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    },
  );
});

Deno.test("RedisLink: Redis lost warns once, and coming back calls the reconcilers", async () => {
  const server = await startRedis();
  const lines: string[] = [];
  const logger = createLogger("info", (_level, line) => lines.push(line));
  const link = await RedisLink.connect({ url: server.url, logger, maxReconnectDelayMs: 100 });
  let reconciled = 0;
  link.onUp(() => reconciled++);
  try {
    await server.stop();
    await eventually(() => link.up ? undefined : true, { what: "the link to notice" });
    // Commands fail fast while it is away (no offline queue that would hold requests).
    await assert.rejects(link.client.get("x"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(lines.filter((line) => line.includes("unreachable")).length, 1);
    await server.restart();
    await eventually(() => reconciled > 0 ? true : undefined, { what: "the reconnection", timeoutMs: 8000 });
    assert.equal(link.up, true);
    assert.equal(await link.client.set("x", "1"), "OK");
  } finally {
    await link.close();
    await server.stop();
  }
});
