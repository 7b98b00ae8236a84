/**
 * In-flight slots shared by every instance: per credential and model (or quota group), a sorted set of
 * leases scored by their expiry. One Lua script walks the caller's candidates in its order of
 * preference and leases the first that is neither resting nor full, so choosing a key costs one round
 * trip however many candidates there are. Leases expire (a crashed instance frees its slots) unless
 * renewed; a release is published so waiting instances retry at once.
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
import { createHash } from "node:crypto";
import type { RedisLink } from "./link.ts";

/** A credential the caller would take, with how many calls it may carry at once. */
export interface LeaseCandidate {
  credentialId: string;
  capacity: number;
  /** Lower serves first (a session's credential never wins over a free one of a better priority). @default 0 */
  priority?: number;
}

/** A conversation's session hint, kept on one credential across instances (`SESSION_AFFINITY`). */
export interface SessionHint {
  /** The client's hint (stored hashed, never as sent). */
  hint: string;
  /** A session not used for this long is forgotten. */
  ttlMs: number;
}

/** What {@link SharedLeases.pickAndLease} found. */
export type PickResult =
  | { leased: true; index: number; leaseId: string }
  | { leased: false; reason: "busy" | "cooling" };

// KEYS: per candidate i, 3 keys: its lease set, its scope state, its credential-wide state; with a session
// hint, its key last. ARGV: lease id, lease TTL ms, session TTL ms (0: no session), then per candidate its
// capacity, priority and credential id. Time is the server's, so the instances' clocks never disagree about
// an expiry. The session's credential is taken while it is free and no better priority is (as a pool alone
// would), and the credential leased becomes the session's, all in the same round trip.
const PICK_AND_LEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local sessionTtl = tonumber(ARGV[3])
local count = math.floor(#KEYS / 3)
local session = false
if sessionTtl > 0 then session = redis.call('GET', KEYS[#KEYS]) end
local busy = false
local first = 0
local sticky = 0
for i = 1, count do
  local lease = KEYS[3 * i - 2]
  if redis.call('EXISTS', KEYS[3 * i - 1]) == 0 and redis.call('EXISTS', KEYS[3 * i]) == 0 then
    redis.call('ZREMRANGEBYSCORE', lease, '-inf', now)
    if redis.call('ZCARD', lease) < tonumber(ARGV[3 * i + 1]) then
      if first == 0 then first = i end
      if session and ARGV[3 * i + 3] == session then sticky = i end
      if not session or sticky ~= 0 then break end
    else
      busy = true
    end
  end
end
if first == 0 then
  if busy then return 0 end
  return -1
end
local pick = first
if sticky ~= 0 and tonumber(ARGV[3 * sticky + 2]) <= tonumber(ARGV[3 * first + 2]) then pick = sticky end
redis.call('ZADD', KEYS[3 * pick - 2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[3 * pick - 2], ttl * 2)
if sessionTtl > 0 then redis.call('SET', KEYS[#KEYS], ARGV[3 * pick + 3], 'PX', sessionTtl) end
return pick
`;

// KEYS[1]: the lease set. ARGV: lease id, channel, message.
const RELEASE = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return removed
`;

// KEYS: lease sets; ARGV[1]: TTL ms, then the lease id of each set.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + ttl, ARGV[1 + i])
  redis.call('PEXPIRE', KEYS[i], ttl * 2)
end
return #KEYS
`;

/** Options of {@link SharedLeases}. */
export interface SharedLeasesOptions {
  /** How long a lease lives without renewal (a crashed instance's slots free after this). @default 30000 */
  leaseTtlMs?: number;
}

interface HeldLease {
  key: string;
  leaseId: string;
}

/** Shared in-flight slots. */
export class SharedLeases {
  readonly #link: RedisLink;
  readonly #leaseTtlMs: number;
  readonly #held = new Map<string, HeldLease>();
  readonly #releasing = new Map<string, HeldLease>();
  readonly #releaseListeners = new Map<string, Set<(leaseKey: string) => void>>();
  #renewTimer: ReturnType<typeof setInterval> | undefined;
  #sequence = 0;
  readonly #instance = crypto.randomUUID().slice(0, 8);

  constructor(link: RedisLink, options: SharedLeasesOptions = {}) {
    this.#link = link;
    this.#leaseTtlMs = options.leaseTtlMs ?? 30_000;
  }

  /** The lease set of a credential's scope. */
  leaseKey(provider: string, credentialId: string, scope: string): string {
    return this.#link.key("lease", provider, credentialId, scope);
  }

  /** The state key of a credential's scope, or of the whole credential (`scope` null). */
  stateKey(provider: string, credentialId: string, scope: string | null): string {
    return this.#link.key("state", provider, credentialId, scope ?? "*");
  }

  /** The key naming a session's credential: the hint hashed, so hints never sit in Redis as sent. */
  sessionKey(provider: string, hint: string): string {
    return this.#link.key("session", provider, createHash("sha256").update(hint).digest("hex").slice(0, 32));
  }

  /**
   * Lease a slot on the first candidate (in the caller's order) that is neither resting nor full; with a
   * session hint, on the session's credential while it may serve, which the leased one then becomes.
   */
  async pickAndLease(
    provider: string,
    scope: string,
    candidates: readonly LeaseCandidate[],
    session?: SessionHint,
  ): Promise<PickResult> {
    if (candidates.length === 0) return { leased: false, reason: "cooling" };
    const keys: string[] = [];
    for (const candidate of candidates) {
      keys.push(
        this.leaseKey(provider, candidate.credentialId, scope),
        this.stateKey(provider, candidate.credentialId, scope),
        this.stateKey(provider, candidate.credentialId, null),
      );
    }
    if (session) keys.push(this.sessionKey(provider, session.hint));
    const leaseId = `${this.#instance}-${++this.#sequence}`;
    const result = Number(
      await this.#link.client.eval(
        PICK_AND_LEASE,
        keys.length,
        ...keys,
        leaseId,
        String(this.#leaseTtlMs),
        String(session ? Math.max(1, session.ttlMs) : 0),
        ...candidates.flatMap((candidate) => [
          String(candidate.capacity),
          String(candidate.priority ?? 0),
          candidate.credentialId,
        ]),
      ),
    );
    if (result <= 0) return { leased: false, reason: result === 0 ? "busy" : "cooling" };
    const index = result - 1;
    const key = keys[index * 3];
    this.#held.set(leaseId, { key, leaseId });
    this.#startRenewing();
    return { leased: true, index, leaseId };
  }

  /** Give a slot back and wake the instances waiting for this provider. */
  async release(provider: string, leaseId: string): Promise<void> {
    // No longer renewed from now on, so even a release that cannot be sent frees the slot at its expiry;
    // kept in #releasing until sent, so the caller may try again when Redis returns.
    const held = this.#held.get(leaseId) ?? this.#releasing.get(leaseId);
    if (!held) return;
    this.#held.delete(leaseId);
    this.#releasing.set(leaseId, held);
    if (this.#held.size === 0) this.#stopRenewing();
    await this.#link.client.eval(RELEASE, 1, held.key, leaseId, this.#channel(provider), held.key);
    this.#releasing.delete(leaseId);
  }

  /** Leases this instance holds (for reconciling after an outage). */
  get heldCount(): number {
    return this.#held.size;
  }

  /** How many live leases a credential's scope holds across all instances. */
  async inFlight(provider: string, credentialId: string, scope: string): Promise<number> {
    const key = this.leaseKey(provider, credentialId, scope);
    const time = await this.#link.client.time();
    const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    return await this.#link.client.zcount(key, nowMs, "+inf");
  }

  /** Be told when any instance frees a slot of `provider`. */
  async onRelease(provider: string, listener: (leaseKey: string) => void): Promise<void> {
    let listeners = this.#releaseListeners.get(provider);
    if (!listeners) {
      listeners = new Set();
      this.#releaseListeners.set(provider, listeners);
      const subscribed = listeners;
      await this.#link.subscribe(this.#channel(provider), (key) => {
        for (const each of subscribed) each(key);
      });
    }
    listeners.add(listener);
  }

  /** Renew every held lease now (the timer does this every third of the TTL). */
  async renew(): Promise<void> {
    if (this.#held.size === 0 || !this.#link.up) return;
    const held = [...this.#held.values()];
    await this.#link.client.eval(
      RENEW,
      held.length,
      ...held.map((lease) => lease.key),
      String(this.#leaseTtlMs),
      ...held.map((lease) => lease.leaseId),
    ).catch(() => {});
  }

  /** Stop renewing (shutdown); held leases then expire on their own. */
  close(): void {
    this.#stopRenewing();
  }

  #channel(provider: string): string {
    return this.#link.key("released", provider);
  }

  #startRenewing(): void {
    if (this.#renewTimer !== undefined) return;
    this.#renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.#leaseTtlMs / 3)));
  }

  #stopRenewing(): void {
    if (this.#renewTimer === undefined) return;
    clearInterval(this.#renewTimer);
    this.#renewTimer = undefined;
  }
}
