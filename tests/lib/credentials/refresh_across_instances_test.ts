/** RefreshAcrossInstances with an in-test SharedTokens and the fake clock: no Redis, no real time. */
import assert from "node:assert/strict";
import {
  RefreshAcrossInstances,
  type RefreshSteps,
  type SharedTokens,
  type TokenLock,
} from "../../../lib/credentials/refresh_across_instances.ts";
import type { StoredCredential } from "../../../lib/credentials/stored_credential.ts";
import { createLogger } from "../../../lib/log/logger.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

const HOUR = 3_600_000;

/** One store two "instances" share; `up` false makes every call throw as a lost Redis does. */
class MemoryTokens implements SharedTokens {
  up = true;
  tokens = new Map<string, StoredCredential>();
  holder: string | null = null;
  listeners: Array<(accountId: string) => void> = [];
  #check() {
    if (!this.up) throw new Error("connection lost");
  }
  read(accountId: string) {
    this.#check();
    return Promise.resolve(this.tokens.get(accountId) ?? null);
  }
  write(accountId: string, stored: StoredCredential) {
    this.#check();
    this.tokens.set(accountId, stored);
    for (const listener of this.listeners) listener(accountId);
    return Promise.resolve();
  }
  lock(): Promise<TokenLock | null> {
    this.#check();
    if (this.holder !== null) return Promise.resolve(null);
    const token = crypto.randomUUID();
    this.holder = token;
    return Promise.resolve({
      release: () => {
        if (this.holder === token) this.holder = null;
        return Promise.resolve();
      },
    });
  }
  watch(listener: (accountId: string) => void) {
    this.listeners.push(listener);
  }
  upListeners: Array<() => void> = [];
  onUp(listener: () => void) {
    this.upListeners.push(listener);
  }
  /** The store answers again. */
  comeBack() {
    this.up = true;
    for (const listener of this.upListeners) listener();
  }
}

function tokens(access: string, expiry: number): StoredCredential {
  return {
    provider: "openai_codex",
    account: "me",
    access_token: access,
    refresh_token: `r-${access}`,
    expiry_date: expiry,
  };
}

/** One instance's account: its tokens, and how many times it called the token endpoint. */
function instance(clock: FakeClock, start: StoredCredential, refreshed: StoredCredential) {
  const state = { stored: start, refreshCalls: 0, adopted: 0 };
  const steps: RefreshSteps = {
    current: () => state.stored,
    isFresh: (stored) => (stored.expiry_date ?? Infinity) - clock.now() > 5 * 60_000,
    adopt: (stored) => {
      state.stored = stored;
      state.adopted++;
    },
    refresh: () => {
      state.refreshCalls++;
      state.stored = refreshed;
      return Promise.resolve(refreshed);
    },
  };
  return { state, steps };
}

Deno.test("RefreshAcrossInstances.refresh(): the lock holder refreshes and stores; a waiter takes the news without a refresh", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  const old = tokens("old", clock.now() + 60_000);
  const fresh = tokens("new", clock.now() + HOUR);
  const a = instance(clock, old, fresh);
  const b = instance(clock, old, tokens("never", clock.now() + HOUR));
  const acrossA = new RefreshAcrossInstances(shared, { clock });
  const acrossB = new RefreshAcrossInstances(shared, { clock });
  // A holds the lock (its token endpoint is slow): B must wait rather than refresh with the same token.
  let finish!: () => void;
  const slow = new Promise<void>((resolve) => finish = resolve);
  const refreshA = a.steps.refresh;
  a.steps.refresh = async () => {
    await slow;
    return refreshA();
  };
  const first = acrossA.refresh("acct", a.steps);
  await Promise.resolve();
  const second = acrossB.refresh("acct", b.steps);
  await clock.advance(1000);
  assert.equal(shared.holder !== null, true, "A holds the lock");
  finish();
  await first;
  await clock.advance(250);
  await second;
  assert.equal(a.state.refreshCalls, 1);
  assert.equal(b.state.refreshCalls, 0, "B never called the token endpoint");
  assert.equal(b.state.stored.access_token, "new");
  assert.equal(shared.tokens.get("acct")?.access_token, "new");
  assert.equal(shared.holder, null, "the lock is released");
});

Deno.test("RefreshAcrossInstances.refresh(): an instance coming late takes the stored tokens under the lock", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  shared.tokens.set("acct", tokens("new", clock.now() + HOUR));
  const late = instance(clock, tokens("old", clock.now() + 60_000), tokens("never", clock.now() + HOUR));
  await new RefreshAcrossInstances(shared, { clock }).refresh("acct", late.steps);
  assert.equal(late.state.refreshCalls, 0);
  assert.equal(late.state.stored.access_token, "new");
});

Deno.test("RefreshAcrossInstances.refresh(): stored tokens older than this instance's are not taken", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  shared.tokens.set("acct", tokens("stale", clock.now() + 30_000));
  const own = instance(clock, tokens("mine", clock.now() + 60_000), tokens("next", clock.now() + HOUR));
  await new RefreshAcrossInstances(shared, { clock }).refresh("acct", own.steps);
  assert.equal(own.state.adopted, 0);
  assert.equal(own.state.refreshCalls, 1);
  assert.equal(shared.tokens.get("acct")?.access_token, "next");
});

Deno.test("RefreshAcrossInstances.refresh(): a holder that died frees the lock by expiry, and the waiter refreshes", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  shared.holder = "a dead instance";
  const waiter = instance(clock, tokens("old", clock.now() + 60_000), tokens("new", clock.now() + HOUR));
  const done = new RefreshAcrossInstances(shared, { clock, pollMs: 250 }).refresh("acct", waiter.steps);
  await clock.advance(1000);
  assert.equal(waiter.state.refreshCalls, 0, "it waits while the lock is held");
  shared.holder = null; // the lock's TTL ran out
  await clock.advance(250);
  await done;
  assert.equal(waiter.state.refreshCalls, 1);
  assert.equal(shared.tokens.get("acct")?.access_token, "new");
});

Deno.test("RefreshAcrossInstances.refresh(): with the store away it refreshes alone, warning once per outage", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  shared.up = false;
  const lines: string[] = [];
  const logger = createLogger("info", (_level, line) => lines.push(line));
  const across = new RefreshAcrossInstances(shared, { clock, logger });
  for (let round = 0; round < 3; round++) {
    const own = instance(
      clock,
      tokens(`old${round}`, clock.now() + 60_000),
      tokens(`new${round}`, clock.now() + HOUR),
    );
    await across.refresh("acct", own.steps);
    assert.equal(own.state.refreshCalls, 1);
  }
  assert.equal(lines.filter((line) => line.includes("on this instance alone")).length, 1, lines.join("\n"));
});

Deno.test("RefreshAcrossInstances: news of an account nobody here waits for goes to onNews", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  const news: string[] = [];
  new RefreshAcrossInstances(shared, { clock, onNews: (accountId) => news.push(accountId) });
  await shared.write("acct", tokens("new", clock.now() + HOUR));
  assert.deepEqual(news, ["acct"]);
});

Deno.test("RefreshAcrossInstances.refresh(): a lock held elsewhere never makes a call wait while its token still lives", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  shared.holder = "another instance";
  const own = instance(clock, tokens("old", clock.now() + 2 * 60_000), tokens("never", clock.now() + HOUR));
  own.steps.canServe = () => true;
  await new RefreshAcrossInstances(shared, { clock }).refresh("acct", own.steps);
  assert.equal(own.state.refreshCalls, 0);
  assert.equal(own.state.stored.access_token, "old", "it serves with the token it has");
});

Deno.test("RefreshAcrossInstances.refresh(): a store that hangs counts as away, and a lock granted late is given back", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  let grant!: (lock: TokenLock) => void;
  let released = false;
  shared.lock = () => new Promise<TokenLock | null>((resolve) => grant = resolve);
  const own = instance(clock, tokens("old", clock.now() + 60_000), tokens("new", clock.now() + HOUR));
  const done = new RefreshAcrossInstances(shared, { clock, commandTimeoutMs: 2000 }).refresh(
    "acct",
    own.steps,
  );
  await clock.advance(2000);
  await done;
  assert.equal(own.state.refreshCalls, 1, "refreshed on this instance alone");
  grant({
    release: () => {
      released = true;
      return Promise.resolve();
    },
  });
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(released, true);
});

Deno.test("RefreshAcrossInstances: tokens refreshed while the store was away are stored when it returns, unless newer ones are there", async () => {
  const clock = new FakeClock();
  const shared = new MemoryTokens();
  shared.up = false;
  const across = new RefreshAcrossInstances(shared, { clock });
  const first = instance(clock, tokens("old1", clock.now() + 60_000), tokens("local1", clock.now() + HOUR));
  const second = instance(clock, tokens("old2", clock.now() + 60_000), tokens("local2", clock.now() + HOUR));
  await across.refresh("acct1", first.steps);
  await across.refresh("acct2", second.steps);
  // Meanwhile another instance stored newer tokens of acct2.
  shared.tokens.set("acct2", tokens("elsewhere", clock.now() + 2 * HOUR));
  shared.comeBack();
  await clock.advance(0);
  assert.equal(shared.tokens.get("acct1")?.access_token, "local1");
  assert.equal(shared.tokens.get("acct2")?.access_token, "elsewhere");
});
