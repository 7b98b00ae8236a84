/**
 * A credential pool's side of sharing with the other instances (`STATE_STORE=redis://…`): taking a key
 * across instances (one script call at the store picks and leases), waiting for a shared slot in arrival
 * order, and mirroring rests both ways. The pool keeps its own state and calls here only while the store
 * is configured; see {@link SharedPool} for the store's side.
 */
import type { Clock } from "./clock.ts";
import type { AcquireOptions, CallResult, CredentialRecord, KeyPool, Lease } from "./key_pool.ts";
import { AVAILABLE, currentState, disable, isCoolingReason, type KeyState } from "./key_state.ts";
import { deadlineErrorOf, type Miss, refusalOf } from "./pool_refusals.ts";
import type { SessionAffinity } from "./session_affinity.ts";
import { FifoTurns, type SharedPool, type SharedRest, type SharedUsageDelta } from "./shared_pool.ts";
import { ClientAbortError } from "./upstream_call.ts";

/** What the shared path needs of the pool's private columns (the pool builds it once). */
export interface PoolSharingHost {
  readonly pool: KeyPool;
  readonly clock: Clock;
  readonly affinity?: SessionAffinity;
  /** Usable keys for `model`, best first, the session's own first when it may serve. */
  candidateOrder(model: string, exclude: ReadonlySet<string>, now: number, session?: string): number[];
  /** Calls a credential may carry at once. */
  capacityOf(index: number): number;
  /** Why no key of `model` can be taken right now. */
  missOf(model: string, exclude: ReadonlySet<string>, now: number): Miss;
  /** Take a slot on the credential at `index`, tied to the store's lease. */
  lease(index: number, model: string, scope: string, sharedLeaseId: string): Lease;
  /** Acquire on this instance's state alone (the store went away mid-call). */
  acquireLocal(model: string, options: AcquireOptions): Promise<Lease>;
}

const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

/** The shared side of one {@link KeyPool}. */
export class PoolSharing {
  readonly shared: SharedPool;
  readonly #host: PoolSharingHost;
  readonly #turns = new FifoTurns();
  /** Callers waiting for a shared slot, woken by any release or change of state. */
  readonly #waiters = new Set<() => void>();
  /** A rest arriving from another instance is applied without being published back. */
  #applyingRemote = false;

  constructor(shared: SharedPool, host: PoolSharingHost) {
    this.shared = shared;
    this.#host = host;
    shared.watch(host.pool.providerId, (change) => {
      if (change.type === "rest") this.#applyRest(change.credentialId, change.scope, change.rest);
      this.wake();
    });
  }

  /**
   * {@link KeyPool.acquire} across instances: this pool orders its usable keys as it would alone, and one
   * script call at the store leases the first that no instance has resting or full. Callers of a scope
   * take turns in arrival order; a release or change of state anywhere wakes the one whose turn it is.
   */
  async acquire(model: string, options: AcquireOptions): Promise<Lease> {
    const { deadlineAtMs, signal, exclude = NO_EXCLUSIONS, session } = options;
    const host = this.#host;
    const { pool, clock } = host;
    const shared = this.shared;
    const scope = pool.scopeOf(model);
    // Only calls with a session hint (and affinity on) name it; the store follows it in the same round trip.
    const sharedSession = session !== undefined && host.affinity
      ? { hint: session, ttlMs: host.affinity.ttlMs }
      : undefined;
    const leave = await this.#turns.enter(`${scope}\n${model}`);
    try {
      let pulled = false;
      for (;;) {
        if (signal?.aborted) throw new ClientAbortError("client disconnected");
        const order = host.candidateOrder(model, exclude, clock.now(), session);
        let waitForRelease = false;
        if (order.length > 0) {
          const candidates = order.map((index) => ({
            credentialId: pool.records[index].credential.id,
            capacity: host.capacityOf(index),
            priority: pool.records[index].credential.priority,
          }));
          let pick;
          try {
            pick = await shared.pickAndLease(pool.providerId, scope, candidates, sharedSession);
          } catch {
            // The store went away mid-call: this call is served on this instance's state alone.
            return await host.acquireLocal(model, options);
          }
          if (pick.leased) {
            const index = order[pick.index];
            if (session !== undefined) host.affinity?.remember(session, index);
            return host.lease(index, model, scope, pick.leaseId);
          }
          if (pick.reason === "cooling" && !pulled) {
            // Another instance rested these keys and its message has not arrived yet: read the rests.
            pulled = true;
            await this.pullRests();
            continue;
          }
          waitForRelease = pick.reason === "busy";
        }
        const now = clock.now();
        const miss = host.missOf(model, exclude, now);
        const found = { ...miss, waitForRelease: miss.waitForRelease || waitForRelease };
        const refusal = refusalOf(pool.providerId, found, deadlineAtMs, now);
        if (refusal) throw refusal;
        if (now >= deadlineAtMs) throw deadlineErrorOf(pool.providerId, found, now);
        const wakeAtMs = Math.min(
          deadlineAtMs,
          found.earliestMs,
          found.waitForRelease ? now + shared.pollMs : Infinity,
        );
        await this.#wait(wakeAtMs - now, signal);
      }
    } finally {
      leave();
    }
  }

  /** A slot may have freed or a rest changed: let every waiting caller look again. */
  wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Give a slot back to the store (never throws). */
  release(leaseId: string): void {
    this.shared.release(this.#host.pool.providerId, leaseId);
  }

  /** Read every rest the instances share for this provider into the pool's state. */
  async pullRests(): Promise<void> {
    try {
      for (const { credentialId, scope, rest } of await this.shared.rests(this.#host.pool.providerId)) {
        this.#applyRest(credentialId, scope, rest);
      }
    } catch { /* the store went away: the next pick falls back to local state */ }
  }

  /** Write every rest of the pool to the shared store (when it returns after being away). */
  publishRests(): void {
    const { pool, clock } = this.#host;
    const now = clock.now();
    for (const record of pool.records) {
      const disabled = currentState(record.disabled, now);
      if (disabled.status !== "available") this.publishRest(record, null, disabled);
      for (const [scope, scoped] of record.scopes) {
        const state = currentState(scoped.state, now);
        if (state.status !== "available") this.publishRest(record, scope, state);
      }
    }
  }

  /** Publish a change of a credential's state, unless it came from another instance. */
  publishRest(record: CredentialRecord, scope: string | null, state: KeyState): void {
    if (this.#applyingRemote) return;
    const strikes = scope === null ? undefined : record.scopes.get(scope)?.strikes;
    this.shared.publishRest(
      this.#host.pool.providerId,
      record.credential.id,
      scope,
      state.status === "available" ? null : {
        state: state.status,
        reason: state.reason,
        untilMs: state.untilMs,
        ...(strikes ? { step: strikes } : {}),
      },
    );
  }

  /** Add a finished call to the shared counters. */
  addUsage(lease: Lease, windowId: number, result: CallResult, costUsd: number): void {
    this.shared.addUsage(
      this.#host.pool.providerId,
      { credentialId: lease.credential.id, scope: lease.scope, windowId },
      usageDelta(result, costUsd),
    );
  }

  /** Wait until a slot may have freed or a rest changed anywhere, or `delayMs` passed. */
  #wait(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
    const { clock } = this.#host;
    return new Promise((resolve, reject) => {
      const done = () => {
        clock.clearTimer(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(done);
        resolve();
      };
      const onAbort = () => {
        done();
        reject(new ClientAbortError("client disconnected"));
      };
      const timer = clock.setTimer(done, Math.max(0, delayMs));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(done);
    });
  }

  /** Apply a rest another instance set (or ended), without publishing it back. */
  #applyRest(credentialId: string, scope: string | null, rest: SharedRest | null): void {
    const { pool } = this.#host;
    const record = pool.record(credentialId);
    if (!record) return;
    const state = keyStateOf(rest);
    this.#applyingRemote = true;
    try {
      if (scope === null) {
        pool.setDisabled(record, state);
        return;
      }
      pool.setScopeState(record, scope, state);
      if (rest?.step !== undefined) {
        const scoped = pool.scopeRecord(record, scope);
        scoped.strikes = Math.max(scoped.strikes, rest.step);
      }
    } finally {
      this.#applyingRemote = false;
    }
  }
}

/** A shared rest as this pool's state (a re-login waits for a new credential, so it has no end). */
function keyStateOf(rest: SharedRest | null): KeyState {
  if (rest === null) return AVAILABLE;
  const untilMs = rest.untilMs ?? Number.MAX_SAFE_INTEGER;
  if (rest.state === "cooling") {
    return { status: "cooling", untilMs, reason: isCoolingReason(rest.reason) ? rest.reason : "rate_limit" };
  }
  return disable("auth", untilMs);
}

/** What a finished call adds to the shared counters. */
function usageDelta(result: CallResult, costUsd: number): SharedUsageDelta {
  const tokens = result.outcome === "success" ? result.tokens : null;
  return {
    requests: 1,
    successes: result.outcome === "success" ? 1 : 0,
    failures: result.outcome === "failure" ? 1 : 0,
    promptTokens: tokens?.promptTokens ?? 0,
    completionTokens: tokens?.completionTokens ?? 0,
    cachedTokens: tokens?.cachedTokens ?? 0,
    reasoningTokens: tokens?.reasoningTokens ?? 0,
    costUsd,
  };
}
