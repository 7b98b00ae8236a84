/**
 * A provider's credential pool: per credential and model (or quota group) state, concurrency slots,
 * usage, and a fair FIFO queue for callers waiting for a slot or the end of a cooldown.
 *
 * The records (objects) are what statistics and persistence read; every state change goes through
 * this class, which mirrors it into typed-array columns so that choosing a key stays one tight loop.
 */
import type { ProviderRotation } from "../config/rotation.ts";
import type { Credential } from "../credentials/credential.ts";
import { deadlineErrorOf, type Miss, refusalOf } from "./pool_refusals.ts";
import { ClientAbortError } from "./upstream_call.ts";
import type { Clock } from "./clock.ts";
import type { EventHub } from "./events.ts";
import { escalatingCooldownMs, type FailureClass, type FailureVerdict } from "./failure.ts";
import {
  AVAILABLE,
  cool,
  type CoolingReason,
  currentState,
  disable,
  isNeedsRelogin,
  type KeyState,
} from "./key_state.ts";
import type { PoolSnapshot } from "./pool_snapshot.ts";
import { bestFreePriority, isUsable, selectCredential, type SelectionColumns } from "./selection.ts";
import type { SessionAffinity } from "./session_affinity.ts";
import type { SharedPool } from "./shared_pool.ts";
import { PoolSharing } from "./pool_sharing.ts";
import { restoreSnapshot, takeSnapshot } from "./pool_save.ts";
import {
  newUsageRecord,
  recordUsage,
  type TokenUsage,
  type UsageRecord,
  windowEndMs,
  windowIdAt,
} from "./usage.ts";

/** A credential's state for one model or quota group. Change it through {@link KeyPool} only. */
export interface ScopeRecord {
  readonly state: KeyState;
  /** Consecutive failures on the escalation ladder; a success resets it. */
  strikes: number;
  usage: UsageRecord;
}

/** Everything the pool knows of one credential. */
export interface CredentialRecord {
  readonly credential: Credential;
  readonly index: number;
  /** Credential-wide state (auth failures disable the key for every model). */
  readonly disabled: KeyState;
  readonly scopes: ReadonlyMap<string, ScopeRecord>;
  /** Requests in flight, by model (read from the pool's columns; for statistics and tests). */
  readonly inFlight: ReadonlyMap<string, number>;
  /** Requests in flight per model this credential may carry. */
  readonly capacity: number;
  /** The latest transient failure, for detecting provider-wide trouble. */
  lastTransient: { failureClass: FailureClass; atMs: number } | null;
}

/** A slot on a credential for one call; release it exactly once when the call ends. */
export interface Lease {
  readonly credential: Credential;
  readonly model: string;
  readonly scope: string;
  release(): void;
}

/** How a call ended, as the pool records it. */
export type CallResult =
  | { outcome: "success"; tokens?: TokenUsage | null }
  | { outcome: "cancelled" }
  | {
    outcome: "failure";
    verdict: FailureVerdict;
    /** The failure came after output reached the client (a broken stream). */
    afterOutput?: boolean;
    /**
     * The upstream does not know the model (404): nothing is counted or rested for it, and whatever the
     * call made the pool hold for the model is dropped, so that made-up model ids leave no state behind.
     */
    unknownModel?: boolean;
  };

/** Options of {@link KeyPool}. */
export interface KeyPoolOptions {
  rotation: ProviderRotation;
  tolerance: number;
  authFailureCooldownMs: number;
  usageResetUtcHour: number;
  clock: Clock;
  /** @default Math.random */
  random?: () => number;
  /** Called after any change worth persisting (usage included: persistence debounces it). */
  onChange?: () => void;
  /** Told of every change of a credential's state (`credential-state` events). */
  events?: EventHub;
  /** Estimated cost in USD of a successful call's tokens, when the model's price is known. */
  costOf?: (model: string, tokens: TokenUsage) => number | null;
  /** The provider's own quota group of a model (configured groups win), or null. */
  quotaGroupOf?: (model: string) => string | null;
  /**
   * Slots, rests and usage shared with the other instances (`STATE_STORE=redis://…`). While it is up,
   * a key is leased through it (one round trip however many candidates); while it is away, the pool
   * serves on its own state.
   */
  shared?: SharedPool;
  /** Which credential serves each recent session (`SESSION_AFFINITY`); absent: sessions are not followed. */
  affinity?: SessionAffinity;
}

/** How many keys, best first, a shared pick offers the store at once. */
const SHARED_CANDIDATES = 8;

/** Options of {@link KeyPool.acquire}. */
export interface AcquireOptions {
  /** Epoch ms after which the caller gives up waiting. */
  deadlineAtMs: number;
  signal?: AbortSignal;
  /** Credential ids not to use for this call (already failed in it). */
  exclude?: ReadonlySet<string>;
  /**
   * The client's session hint: the credential that served it last is taken again while it is usable and
   * has a free slot; otherwise the usual choice, which then becomes the session's credential.
   */
  session?: string;
}

/** Failures of every key within this window mean trouble with the provider, not the keys. */
const PROVIDER_FAILURE_WINDOW_MS = 10_000;
/** How long a provider rests after failing on every key. */
const PROVIDER_COOLDOWN_MS = 10_000;
const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

type MutableRecord = { -readonly [K in keyof CredentialRecord]: CredentialRecord[K] } & {
  scopes: Map<string, MutableScope>;
};
type MutableScope = { -readonly [K in keyof ScopeRecord]: ScopeRecord[K] };

/** Columns of one scope: rest times and window usage per key. */
interface ScopeColumns {
  coolUntil: Float64Array;
  usage: Int32Array;
  /** The usage window the `usage` column counts. */
  windowId: number;
}

interface Waiter {
  model: string;
  exclude: ReadonlySet<string>;
  session: string | undefined;
  deadlineAtMs: number;
  /** When a cooldown this waiter waits for ends, and the timer that wakes the queue then. */
  wakeAtMs: number;
  wakeTimer: unknown;
  resolve(lease: Lease): void;
  reject(error: unknown): void;
  cleanup(): void;
}

type Attempt = { lease: Lease } | Miss;

/** The cooling reason a failure class leaves on a key. */
function coolingReasonOf(failureClass: FailureClass): CoolingReason {
  switch (failureClass) {
    case "rate_limit":
    case "quota_exhausted":
    case "server_error":
    case "timeout":
    case "connection":
      return failureClass;
    default:
      return "server_error";
  }
}

/** The credential pool of one provider. */
export class KeyPool {
  readonly providerId: string;
  readonly records: readonly CredentialRecord[];
  #providerState: KeyState = AVAILABLE;
  readonly #options: KeyPoolOptions & { random: () => number };
  readonly #waiters: Waiter[] = [];
  readonly #byId = new Map<string, MutableRecord>();
  readonly #priority: Int32Array;
  readonly #capacity: Int32Array;
  readonly #disabledUntil: Float64Array;
  readonly #scopes = new Map<string, ScopeColumns>();
  readonly #inFlight = new Map<string, Int32Array>();
  readonly #scratch: Int32Array;
  /** The shared side (`STATE_STORE=redis://…`), absent when this instance works alone. */
  readonly #sharing: PoolSharing | undefined;

  constructor(providerId: string, credentials: readonly Credential[], options: KeyPoolOptions) {
    this.providerId = providerId;
    this.#options = { random: Math.random, ...options };
    const { maxConcurrentPerKey, concurrencyMultipliers } = options.rotation;
    const count = credentials.length;
    this.#priority = new Int32Array(count);
    this.#capacity = new Int32Array(count);
    this.#disabledUntil = new Float64Array(count);
    this.#scratch = new Int32Array(count);
    const inFlightByModel = (index: number) => {
      const counts = new Map<string, number>();
      for (const [model, column] of this.#inFlight) if (column[index] > 0) counts.set(model, column[index]);
      return counts;
    };
    this.records = credentials.map((credential, index) => {
      const multiplier = concurrencyMultipliers.get(credential.priority) ?? 1;
      const record: MutableRecord = {
        credential,
        index,
        disabled: AVAILABLE,
        scopes: new Map(),
        // Derived from the in-flight columns, so the request path updates one counter only.
        get inFlight() {
          return inFlightByModel(index);
        },
        capacity: Math.max(1, Math.floor(maxConcurrentPerKey * multiplier)),
        lastTransient: null,
      };
      this.#priority[index] = credential.priority;
      this.#capacity[index] = record.capacity;
      this.#byId.set(credential.id, record);
      return record;
    });
    this.#sharing = options.shared && new PoolSharing(options.shared, {
      pool: this,
      clock: options.clock,
      affinity: options.affinity,
      candidateOrder: (model, exclude, now, session) => this.#candidateOrder(model, exclude, now, session),
      capacityOf: (index) => this.#capacity[index],
      missOf: (model, exclude, now) => this.#missOf(this.#selectionColumns(model, exclude, now), now),
      lease: (index, model, scope, leaseId) => this.#lease(this.records[index], model, scope, leaseId),
      acquireLocal: (model, options) => this.#acquireLocal(model, options),
    });
  }

  /** The model or quota group whose usage and cooldowns `model` shares. */
  scopeOf(model: string): string {
    return this.#options.rotation.quotaGroups.get(model) ?? this.#options.quotaGroupOf?.(model) ?? model;
  }

  /** The record of a credential id, if it is in this pool. */
  record(credentialId: string): CredentialRecord | undefined {
    return this.#byId.get(credentialId);
  }

  /** The scope record of a credential, created on first use. */
  scopeRecord(record: CredentialRecord, scope: string): ScopeRecord {
    return this.#scopeOf(record, scope);
  }

  /** Set a credential's state for a scope (restoring saved state, benchmarks); tells the event stream. */
  setScopeState(record: CredentialRecord, scope: string, state: KeyState): void {
    const scoped = this.#scopeOf(record, scope);
    const before = scoped.state;
    scoped.state = state;
    this.#columns(scope).coolUntil[record.index] = state.status === "available" ? 0 : state.untilMs;
    if (state !== before) this.#emitState(record, scope, state);
  }

  /** Set a credential's usage record for a scope (used when restoring saved state). */
  setScopeUsage(record: CredentialRecord, scope: string, usage: UsageRecord): void {
    this.#scopeOf(record, scope).usage = usage;
    this.#syncUsage(record.index, scope, usage);
  }

  /** Set a credential-wide state (restoring saved state); tells the event stream. */
  setDisabled(record: CredentialRecord, state: KeyState): void {
    const mutable = this.#mutable(record);
    const before = mutable.disabled;
    mutable.disabled = state;
    this.#disabledUntil[record.index] = state.status === "available" ? 0 : state.untilMs;
    if (state !== before) this.#emitState(record, null, state);
  }

  /**
   * Mark an OAuth account as needing a new login (skipped by selection, shown as such in statistics), or
   * bring it back after one.
   */
  setNeedsRelogin(credentialId: string, needsRelogin: boolean): void {
    const record = this.#byId.get(credentialId);
    if (!record || isNeedsRelogin(record.disabled) === needsRelogin) return;
    this.setDisabled(record, needsRelogin ? disable("needs_relogin", Number.MAX_SAFE_INTEGER) : AVAILABLE);
  }

  /**
   * Everything worth keeping across a restart, as of now (expired states saved as available). Credentials
   * are named by id and masked label, never by secret.
   */
  snapshot(): PoolSnapshot {
    return takeSnapshot(this, this.#now());
  }

  /**
   * Take back what a saved snapshot knows about credentials still in the pool; unknown credentials and
   * malformed parts are skipped, rests longer than any upstream would ask for are clamped. Returns how many
   * credentials were restored. Restoring tells no one (nothing changed since the file was written).
   */
  restore(saved: unknown): number {
    return restoreSnapshot(saved, {
      pool: this,
      nowMs: this.#now(),
      authFailureCooldownMs: this.#options.authFailureCooldownMs,
      place: (record, scope, state) => this.#place(record, scope, state),
      placeProviderState: (state) => this.#providerState = state,
    });
  }

  /** The provider-wide state (a cooldown after failures on every key). */
  get providerState(): KeyState {
    return currentState(this.#providerState, this.#now());
  }

  /** How many models and scopes the pool holds selection columns for (memory stays bounded; tests). */
  get tracked(): { models: number; scopes: number } {
    return { models: this.#inFlight.size, scopes: this.#scopes.size };
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** The state of a credential for a scope as of now: disabled beats cooling beats available. */
  stateOf(record: CredentialRecord, scope: string): KeyState {
    const now = this.#now();
    const disabled = currentState(record.disabled, now);
    if (disabled.status !== "available") return disabled;
    const provider = currentState(this.#providerState, now);
    const scoped = record.scopes.get(scope);
    const own = scoped ? currentState(scoped.state, now) : AVAILABLE;
    if (provider.status === "available") return own;
    if (own.status === "available" || (own.status === "cooling" && own.untilMs < provider.untilMs)) {
      return provider;
    }
    return own;
  }

  /**
   * A slot on the best usable credential for `model`: at once when one is free, otherwise after
   * waiting in FIFO order for a slot or the end of a cooldown, up to the deadline.
   */
  acquire(model: string, options: AcquireOptions): Promise<Lease> {
    const sharing = this.#sharing;
    if (sharing?.shared.up) return sharing.acquire(model, options);
    return this.#acquireLocal(model, options);
  }

  /** {@link KeyPool.acquire} on this instance's state alone. */
  #acquireLocal(model: string, options: AcquireOptions): Promise<Lease> {
    const { deadlineAtMs, signal, exclude = NO_EXCLUSIONS, session } = options;
    if (signal?.aborted) return Promise.reject(new ClientAbortError("client disconnected"));
    const queued = this.#waiters.length > 0 && this.#waiters.some((waiter) => waiter.model === model);
    if (!queued) {
      const attempt = this.#tryAcquire(model, exclude, session);
      if ("lease" in attempt) return Promise.resolve(attempt.lease);
      const refusal = refusalOf(this.providerId, attempt, deadlineAtMs, this.#now());
      if (refusal) return Promise.reject(refusal);
    }
    return new Promise<Lease>((resolve, reject) => {
      const { clock } = this.#options;
      const waiter: Waiter = {
        model,
        exclude,
        session,
        deadlineAtMs,
        wakeAtMs: Infinity,
        wakeTimer: undefined,
        resolve,
        reject,
        cleanup: () => {
          clock.clearTimer(deadlineTimer);
          if (waiter.wakeTimer !== undefined) clock.clearTimer(waiter.wakeTimer);
          signal?.removeEventListener("abort", onAbort);
          const position = this.#waiters.indexOf(waiter);
          if (position >= 0) this.#waiters.splice(position, 1);
        },
      };
      const onAbort = () => {
        waiter.cleanup();
        reject(new ClientAbortError("client disconnected"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const deadlineTimer = clock.setTimer(() => this.#drain(), Math.max(0, deadlineAtMs - this.#now()));
      this.#waiters.push(waiter);
      this.#drain();
    });
  }

  /**
   * Usable keys for `model`, best first (as local selection would take them one after another); the
   * session's key first when it may serve (the store still decides whether it is full everywhere).
   */
  #candidateOrder(model: string, exclude: ReadonlySet<string>, now: number, session?: string): number[] {
    if (this.#providerState.status !== "available" && this.#providerState.untilMs > now) return [];
    const columns = this.#selectionColumns(model, exclude, now);
    const excluded = columns.excluded ? columns.excluded.slice() : new Uint8Array(columns.count);
    const view = { ...columns, excluded };
    const order: number[] = [];
    const sticky = this.#sessionIndex(columns, now, session);
    if (sticky >= 0) {
      order.push(sticky);
      excluded[sticky] = 1;
    }
    while (order.length < SHARED_CANDIDATES) {
      const index = selectCredential(view, now, {
        mode: this.#options.rotation.mode,
        tolerance: this.#options.tolerance,
        random: this.#options.random,
        scratch: this.#scratch,
      });
      if (index < 0) break;
      order.push(index);
      excluded[index] = 1;
    }
    return order;
  }

  /** Why no key of `model` can be taken right now (busy ones, and when the first rest ends). */
  #missOf(columns: SelectionColumns, now: number): Miss {
    const providerUntil = this.#providerState.status === "available" ? 0 : this.#providerState.untilMs;
    let busy = false;
    let earliestMs = Infinity;
    for (let index = 0; index < columns.count; index++) {
      if (columns.excluded !== null && columns.excluded[index] === 1) continue;
      if (columns.disabledUntil[index] > now) continue;
      const restUntil = Math.max(columns.coolUntil[index], providerUntil);
      if (restUntil > now) earliestMs = Math.min(earliestMs, restUntil);
      else if (isUsable(columns, index, now)) busy = true;
    }
    return { waitForRelease: busy, earliestMs };
  }

  /** Read every rest the instances share into this pool (when the store returns after being away). */
  pullRests(): Promise<void> {
    return this.#sharing?.pullRests() ?? Promise.resolve();
  }

  /** Write every rest of this pool to the shared store (when it returns after being away). */
  publishRests(): void {
    this.#sharing?.publishRests();
  }

  /** Record how a call ended: usage, and the credential's state for its scope. */
  recordResult(lease: Lease, result: CallResult): void {
    const record = this.#byId.get(lease.credential.id);
    if (!record) return;
    if (result.outcome === "failure" && result.unknownModel) return this.#forgetUnknown(lease);
    const now = this.#now();
    const scoped = this.#scopeOf(record, lease.scope);
    const { usageResetUtcHour } = this.#options;
    const costUsd = result.outcome === "success" && result.tokens
      ? this.#options.costOf?.(lease.model, result.tokens) ?? 0
      : 0;
    if (result.outcome === "success") {
      scoped.strikes = 0;
      record.lastTransient = null;
      recordUsage(
        scoped.usage,
        { outcome: "success", tokens: result.tokens, costUsd },
        now,
        usageResetUtcHour,
      );
    } else if (result.outcome === "cancelled") {
      recordUsage(scoped.usage, { outcome: "cancelled" }, now, usageResetUtcHour);
    } else {
      recordUsage(scoped.usage, { outcome: "failure" }, now, usageResetUtcHour);
      this.#applyFailure(record, lease.scope, result.verdict, now);
      if (result.afterOutput) {
        // A key whose streams break mid-way rests on the ladder, so the next calls go elsewhere.
        const until = now + escalatingCooldownMs(Math.max(0, scoped.strikes - 1));
        const reason = result.verdict.failureClass === "timeout" ? "timeout" : "connection";
        this.setScopeState(record, lease.scope, cool(scoped.state, until, reason, now));
      }
    }
    this.#syncUsage(record.index, lease.scope, scoped.usage);
    this.#sharing?.addUsage(lease, scoped.usage.windowId, result, costUsd);
    this.#options.onChange?.();
  }

  /**
   * Drop the columns a call for a model the upstream does not know made (selection creates them for any
   * model), unless the model is known after all (a scope record) or other calls for it still hold them.
   */
  #forgetUnknown(lease: Lease): void {
    const { model, scope } = lease;
    if (this.records.some((record) => record.scopes.has(scope))) return;
    if (this.#waiters.some((waiter) => waiter.model === model)) return;
    const inFlight = this.#inFlight.get(model);
    // This call's lease is still held (it is released after its result is recorded).
    if (inFlight !== undefined && inFlight.reduce((sum, count) => sum + count, 0) > 1) return;
    this.#inFlight.delete(model);
    this.#scopes.delete(scope);
  }

  /** Apply the verdict's cooldown to the credential; the verdict decides, the pool only keeps count. */
  #applyFailure(record: MutableRecord, scope: string, verdict: FailureVerdict, now: number): void {
    const { failureClass, resetAtMs, cooldown } = verdict;
    const scoped = this.#scopeOf(record, scope);
    const strikes = scoped.strikes;
    // Strikes count consecutive transient failures (the ladder's rungs); a spent quota has its own rest.
    if (cooldown !== "none" && cooldown !== "disable" && failureClass !== "quota_exhausted") scoped.strikes++;
    const reason = coolingReasonOf(failureClass);
    const rest = (untilMs: number) =>
      this.setScopeState(record, scope, cool(scoped.state, untilMs, reason, now));
    switch (cooldown) {
      case "none":
        return;
      case "disable":
        // An account already waiting for a new login stays so (its refresh failed before the call).
        if (isNeedsRelogin(record.disabled)) return;
        this.setDisabled(record, disable("auth", now + this.#options.authFailureCooldownMs));
        return;
      case "until_window_end":
        rest(windowEndMs(now, this.#options.usageResetUtcHour));
        break;
      case "until_reset":
        if (resetAtMs !== null && resetAtMs > now) rest(resetAtMs);
        break;
      case "ladder":
        rest(now + escalatingCooldownMs(strikes));
        break;
      case "ladder_when_repeated":
        // One 5xx is noise; two in a row on the same key are the key's (or its route's) trouble.
        if (strikes > 0) rest(now + escalatingCooldownMs(strikes - 1));
        break;
    }
    if (verdict.providerWide) {
      record.lastTransient = { failureClass, atMs: now };
      this.#checkProviderWide(failureClass, now);
    }
  }

  #emitState(record: CredentialRecord, scope: string | null, state: KeyState): void {
    this.#sharing?.publishRest(record, scope, state);
    const events = this.#options.events;
    if (!events?.observed) return;
    events.emit({
      type: "credential-state",
      atMs: this.#now(),
      provider: this.providerId,
      credentialId: record.credential.id,
      credentialLabel: record.credential.label,
      scope,
      state: isNeedsRelogin(state) ? "needs_relogin" : state.status,
      ...(state.status === "available" ? {} : { reason: state.reason, untilMs: state.untilMs }),
    });
  }

  /** The same transient failure on every usable key within a short window: rest the whole provider. */
  #checkProviderWide(failureClass: FailureClass, now: number): void {
    if (this.records.length < 2) return;
    for (const record of this.records) {
      if (currentState(record.disabled, now).status !== "available") continue;
      const last = record.lastTransient;
      if (!last || last.failureClass !== failureClass || now - last.atMs > PROVIDER_FAILURE_WINDOW_MS) return;
    }
    this.#providerState = cool(this.#providerState, now + PROVIDER_COOLDOWN_MS, "provider_cooldown", now);
    for (const record of this.records) {
      record.lastTransient = null;
      this.#emitState(record, null, this.#providerState);
    }
  }

  /** Set a state (credential-wide when `scope` is null) and its column, telling no one. */
  #place(record: CredentialRecord, scope: string | null, state: KeyState): void {
    const until = state.status === "available" ? 0 : state.untilMs;
    if (scope === null) {
      this.#mutable(record).disabled = state;
      this.#disabledUntil[record.index] = until;
      return;
    }
    this.#scopeOf(record, scope).state = state;
    this.#columns(scope).coolUntil[record.index] = until;
  }

  #now(): number {
    return this.#options.clock.now();
  }

  #mutable(record: CredentialRecord): MutableRecord {
    const own = this.#byId.get(record.credential.id);
    if (own !== record) {
      throw new Error(`credential ${record.credential.label} is not in pool ${this.providerId}`);
    }
    return own;
  }

  #scopeOf(record: CredentialRecord, scope: string): MutableScope {
    const mutable = this.#mutable(record);
    let scoped = mutable.scopes.get(scope);
    if (!scoped) {
      scoped = {
        state: AVAILABLE,
        strikes: 0,
        usage: newUsageRecord(this.#now(), this.#options.usageResetUtcHour),
      };
      mutable.scopes.set(scope, scoped);
    }
    return scoped;
  }

  #columns(scope: string): ScopeColumns {
    let columns = this.#scopes.get(scope);
    if (!columns) {
      const count = this.records.length;
      columns = {
        coolUntil: new Float64Array(count),
        usage: new Int32Array(count),
        windowId: windowIdAt(this.#now(), this.#options.usageResetUtcHour),
      };
      this.#scopes.set(scope, columns);
    }
    return columns;
  }

  /** Mirror a usage record into its scope's column (the column counts the current window only). */
  #syncUsage(index: number, scope: string, usage: UsageRecord): void {
    const columns = this.#columns(scope);
    this.#rollColumns(columns, this.#now());
    columns.usage[index] = usage.windowId === columns.windowId ? usage.window.requests : 0;
  }

  #rollColumns(columns: ScopeColumns, now: number): void {
    const windowId = windowIdAt(now, this.#options.usageResetUtcHour);
    if (windowId !== columns.windowId) {
      columns.windowId = windowId;
      columns.usage.fill(0);
    }
  }

  #inFlightOf(model: string): Int32Array {
    let column = this.#inFlight.get(model);
    if (!column) this.#inFlight.set(model, column = new Int32Array(this.records.length));
    return column;
  }

  #selectionColumns(model: string, exclude: ReadonlySet<string>, now: number): SelectionColumns {
    const scope = this.#columns(this.scopeOf(model));
    this.#rollColumns(scope, now);
    let excluded: Uint8Array | null = null;
    if (exclude.size > 0) {
      excluded = new Uint8Array(this.records.length);
      for (const id of exclude) {
        const record = this.#byId.get(id);
        if (record) excluded[record.index] = 1;
      }
    }
    return {
      count: this.records.length,
      priority: this.#priority,
      capacity: this.#capacity,
      disabledUntil: this.#disabledUntil,
      coolUntil: scope.coolUntil,
      inFlight: this.#inFlightOf(model),
      usage: scope.usage,
      excluded,
    };
  }

  #tryAcquire(model: string, exclude: ReadonlySet<string>, session?: string): Attempt {
    const now = this.#now();
    const columns = this.#selectionColumns(model, exclude, now);
    const providerUntil = this.#providerState.status === "available" ? 0 : this.#providerState.untilMs;
    if (providerUntil <= now) {
      let index = this.#sessionIndex(columns, now, session);
      if (index < 0) {
        index = selectCredential(columns, now, {
          mode: this.#options.rotation.mode,
          tolerance: this.#options.tolerance,
          random: this.#options.random,
          scratch: this.#scratch,
        });
        if (index >= 0 && session !== undefined) this.#options.affinity?.remember(session, index);
      }
      if (index >= 0) return { lease: this.#lease(this.records[index], model, this.scopeOf(model)) };
    }
    return this.#missOf(columns, now);
  }

  /**
   * The key that served `session` last, while it is usable for this call, has a free slot and no better
   * tier could serve (and the session becomes the most recently used); -1 otherwise, and the usual choice
   * decides.
   */
  #sessionIndex(columns: SelectionColumns, now: number, session: string | undefined): number {
    const affinity = this.#options.affinity;
    if (session === undefined || affinity === undefined) return -1;
    const index = affinity.indexOf(session);
    if (index < 0 || index >= columns.count) return -1;
    if (columns.inFlight[index] >= columns.capacity[index] || !isUsable(columns, index, now)) return -1;
    // Priorities still rule: a session that overflowed to a worse tier goes back once a better key is free.
    if (columns.priority[index] > bestFreePriority(columns, now)) return -1;
    affinity.remember(session, index);
    return index;
  }

  #lease(record: CredentialRecord, model: string, scope: string, sharedLeaseId?: string): Lease {
    const column = this.#inFlightOf(model);
    column[record.index]++;
    let released = false;
    return {
      credential: record.credential,
      model,
      scope,
      release: () => {
        if (released) return;
        released = true;
        column[record.index]--;
        if (sharedLeaseId !== undefined) this.#sharing?.release(sharedLeaseId);
        this.#drain();
        this.#sharing?.wake();
      },
    };
  }

  /** Serve waiters in FIFO order; reject those whose deadline passed or that nothing can serve. */
  #drain(): void {
    if (this.#waiters.length === 0) return;
    const now = this.#now();
    const { clock } = this.#options;
    for (const waiter of [...this.#waiters]) {
      const attempt = this.#tryAcquire(waiter.model, waiter.exclude, waiter.session);
      if ("lease" in attempt) {
        waiter.cleanup();
        waiter.resolve(attempt.lease);
        continue;
      }
      const refusal = refusalOf(this.providerId, attempt, waiter.deadlineAtMs, now);
      if (refusal || now >= waiter.deadlineAtMs) {
        waiter.cleanup();
        waiter.reject(refusal ?? deadlineErrorOf(this.providerId, attempt, now));
        continue;
      }
      // Wake the queue when the first cooldown this waiter could use ends.
      const wakeAtMs = attempt.earliestMs;
      if (Number.isFinite(wakeAtMs) && wakeAtMs > now && wakeAtMs !== waiter.wakeAtMs) {
        if (waiter.wakeTimer !== undefined) clock.clearTimer(waiter.wakeTimer);
        waiter.wakeAtMs = wakeAtMs;
        waiter.wakeTimer = clock.setTimer(() => this.#drain(), wakeAtMs - now);
      }
    }
  }
}
