/**
 * A provider's credential pool: per credential and model (or quota group) state, concurrency slots,
 * usage, and a fair FIFO queue for callers waiting for a slot or the end of a cooldown.
 */
import type { ProviderRotation } from "../config/rotation.ts";
import type { Credential } from "../credentials/credential.ts";
import { NoCredentialAvailableError } from "../errors.ts";
import { ClientAbortError } from "./upstream_call.ts";
import type { Clock } from "./clock.ts";
import { escalatingCooldownMs, type FailureClass, type FailureVerdict } from "./failure.ts";
import { AVAILABLE, cool, currentState, disable, type KeyState } from "./key_state.ts";
import { selectCredential, type SelectionView } from "./selection.ts";
import {
  newUsageRecord,
  recordUsage,
  rollWindow,
  type TokenUsage,
  type UsageRecord,
  windowEndMs,
} from "./usage.ts";

/** A credential's state for one model or quota group. */
export interface ScopeRecord {
  state: KeyState;
  /** Consecutive failures on the escalation ladder; a success resets it. */
  strikes: number;
  usage: UsageRecord;
}

/** Everything the pool knows of one credential. */
export interface CredentialRecord {
  readonly credential: Credential;
  readonly index: number;
  /** Credential-wide state (auth failures disable the key for every model). */
  disabled: KeyState;
  readonly scopes: Map<string, ScopeRecord>;
  /** Requests in flight, by model. */
  readonly inFlight: Map<string, number>;
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

/** Options of {@link KeyPool}. */
export interface KeyPoolOptions {
  rotation: ProviderRotation;
  tolerance: number;
  authFailureCooldownMs: number;
  usageResetUtcHour: number;
  clock: Clock;
  /** @default Math.random */
  random?: () => number;
  /** Called after any change worth persisting. */
  onChange?: () => void;
}

/** Options of {@link KeyPool.acquire}. */
export interface AcquireOptions {
  /** Epoch ms after which the caller gives up waiting. */
  deadlineAtMs: number;
  signal?: AbortSignal;
  /** Credential ids not to use for this call (already failed in it). */
  exclude?: ReadonlySet<string>;
}

/** Failures of every key within this window mean trouble with the provider, not the keys. */
const PROVIDER_FAILURE_WINDOW_MS = 10_000;
/** How long a provider rests after failing on every key. */
const PROVIDER_COOLDOWN_MS = 10_000;
const TRANSIENT: ReadonlySet<FailureClass> = new Set(["server_error", "connection", "timeout", "rate_limit"]);

interface Waiter {
  model: string;
  exclude: ReadonlySet<string>;
  deadlineAtMs: number;
  /** When a cooldown this waiter waits for ends, and the timer that wakes the queue then. */
  wakeAtMs: number;
  wakeTimer: unknown;
  resolve(lease: Lease): void;
  reject(error: unknown): void;
  cleanup(): void;
}

type Attempt =
  | { lease: Lease }
  | { waitForRelease: true; earliestMs: number }
  | { waitForRelease: false; earliestMs: number };

/** The credential pool of one provider. */
export class KeyPool {
  readonly providerId: string;
  readonly records: readonly CredentialRecord[];
  #providerState: KeyState = AVAILABLE;
  readonly #options: KeyPoolOptions & { random: () => number };
  readonly #waiters: Waiter[] = [];
  readonly #byId = new Map<string, CredentialRecord>();

  constructor(providerId: string, credentials: readonly Credential[], options: KeyPoolOptions) {
    this.providerId = providerId;
    this.#options = { random: Math.random, ...options };
    const { maxConcurrentPerKey, concurrencyMultipliers } = options.rotation;
    this.records = credentials.map((credential, index) => {
      const multiplier = concurrencyMultipliers.get(credential.priority) ?? 1;
      const record: CredentialRecord = {
        credential,
        index,
        disabled: AVAILABLE,
        scopes: new Map(),
        inFlight: new Map(),
        capacity: Math.max(1, Math.floor(maxConcurrentPerKey * multiplier)),
        lastTransient: null,
      };
      this.#byId.set(credential.id, record);
      return record;
    });
  }

  /** The model or quota group whose usage and cooldowns `model` shares. */
  scopeOf(model: string): string {
    return this.#options.rotation.quotaGroups.get(model) ?? model;
  }

  /** The record of a credential id, if it is in this pool. */
  record(credentialId: string): CredentialRecord | undefined {
    return this.#byId.get(credentialId);
  }

  /** The scope record of a credential, created on first use. */
  scopeRecord(record: CredentialRecord, scope: string): ScopeRecord {
    let scoped = record.scopes.get(scope);
    if (!scoped) {
      scoped = {
        state: AVAILABLE,
        strikes: 0,
        usage: newUsageRecord(this.#now(), this.#options.usageResetUtcHour),
      };
      record.scopes.set(scope, scoped);
    }
    return scoped;
  }

  /** The provider-wide state (a cooldown after failures on every key). */
  get providerState(): KeyState {
    return currentState(this.#providerState, this.#now());
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
    const { deadlineAtMs, signal, exclude = new Set<string>() } = options;
    if (signal?.aborted) return Promise.reject(new ClientAbortError("client disconnected"));
    const queued = this.#waiters.some((waiter) => waiter.model === model);
    if (!queued) {
      const attempt = this.#tryAcquire(model, exclude);
      if ("lease" in attempt) return Promise.resolve(attempt.lease);
      const refusal = this.#refusal(attempt, deadlineAtMs);
      if (refusal) return Promise.reject(refusal);
    }
    return new Promise<Lease>((resolve, reject) => {
      const { clock } = this.#options;
      const waiter: Waiter = {
        model,
        exclude,
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

  /** Record how a call ended: usage, and the credential's state for its scope. */
  recordResult(
    lease: Lease,
    result: { outcome: "success"; tokens?: TokenUsage | null } | { outcome: "cancelled" } | {
      outcome: "failure";
      verdict: FailureVerdict;
      /** The failure came after output reached the client (a broken stream). */
      afterOutput?: boolean;
    },
  ): void {
    const record = this.#byId.get(lease.credential.id);
    if (!record) return;
    const now = this.#now();
    const scoped = this.scopeRecord(record, lease.scope);
    const { usageResetUtcHour } = this.#options;
    if (result.outcome === "success") {
      scoped.strikes = 0;
      record.lastTransient = null;
      recordUsage(scoped.usage, { outcome: "success", tokens: result.tokens }, now, usageResetUtcHour);
    } else if (result.outcome === "cancelled") {
      recordUsage(scoped.usage, { outcome: "cancelled" }, now, usageResetUtcHour);
    } else {
      recordUsage(scoped.usage, { outcome: "failure" }, now, usageResetUtcHour);
      this.#applyFailure(record, scoped, result.verdict, now);
      if (result.afterOutput) {
        // A key whose streams break mid-way rests on the ladder, so the next calls go elsewhere.
        const until = now + escalatingCooldownMs(Math.max(0, scoped.strikes - 1));
        scoped.state = cool(
          scoped.state,
          until,
          result.verdict.failureClass === "timeout" ? "timeout" : "connection",
          now,
        );
      }
    }
    this.#options.onChange?.();
  }

  /** Clear every cooldown and disable (used when credentials are reloaded). */
  reset(): void {
    this.#providerState = AVAILABLE;
    for (const record of this.records) {
      record.disabled = AVAILABLE;
      for (const scoped of record.scopes.values()) {
        scoped.state = AVAILABLE;
        scoped.strikes = 0;
      }
    }
    this.#drain();
  }

  #applyFailure(record: CredentialRecord, scoped: ScopeRecord, verdict: FailureVerdict, now: number): void {
    const { failureClass, resetAtMs } = verdict;
    switch (failureClass) {
      case "auth":
        record.disabled = disable("auth", now + this.#options.authFailureCooldownMs);
        return;
      case "rate_limit": {
        const until = resetAtMs ?? now + escalatingCooldownMs(scoped.strikes);
        scoped.state = cool(scoped.state, until, "rate_limit", now);
        scoped.strikes++;
        break;
      }
      case "quota_exhausted": {
        const until = resetAtMs ?? windowEndMs(now, this.#options.usageResetUtcHour);
        scoped.state = cool(scoped.state, until, "quota_exhausted", now);
        return;
      }
      case "server_error":
      case "connection":
      case "timeout":
        scoped.strikes++;
        if (resetAtMs !== null && resetAtMs > now) {
          scoped.state = cool(scoped.state, resetAtMs, failureClass, now);
        }
        break;
      default:
        return; // The client's mistake says nothing about the credential.
    }
    if (TRANSIENT.has(failureClass) && !(failureClass === "rate_limit" && resetAtMs !== null)) {
      record.lastTransient = { failureClass, atMs: now };
      this.#checkProviderWide(failureClass, now);
    }
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
    for (const record of this.records) record.lastTransient = null;
  }

  #now(): number {
    return this.#options.clock.now();
  }

  #tryAcquire(model: string, exclude: ReadonlySet<string>): Attempt {
    const scope = this.scopeOf(model);
    const now = this.#now();
    const providerAvailable = currentState(this.#providerState, now).status === "available";
    const { usageResetUtcHour } = this.#options;
    const view: SelectionView<CredentialRecord> = {
      usable: (record) =>
        providerAvailable && !exclude.has(record.credential.id) &&
        currentState(record.disabled, now).status === "available" &&
        (record.scopes.get(scope) === undefined ||
          currentState(record.scopes.get(scope)!.state, now).status === "available"),
      inFlight: (record) => record.inFlight.get(model) ?? 0,
      capacity: (record) => record.capacity,
      priority: (record) => record.credential.priority,
      usage: (record) => {
        const scoped = record.scopes.get(scope);
        return scoped ? rollWindow(scoped.usage, now, usageResetUtcHour).window.requests : 0;
      },
    };
    const chosen = selectCredential(this.records, view, {
      mode: this.#options.rotation.mode,
      tolerance: this.#options.tolerance,
      random: this.#options.random,
    });
    if (chosen) return { lease: this.#lease(chosen, model, scope) };
    let busy = false;
    for (const record of this.records) {
      if (view.usable(record)) busy = true;
    }
    return { waitForRelease: busy, earliestMs: this.#earliestAvailability(model, exclude) };
  }

  /** When the first resting, non-excluded credential becomes available for `model` (Infinity if none). */
  #earliestAvailability(model: string, exclude: ReadonlySet<string>): number {
    const scope = this.scopeOf(model);
    let earliest = Infinity;
    for (const record of this.records) {
      if (exclude.has(record.credential.id)) continue;
      const state = this.stateOf(record, scope);
      if (state.status === "cooling") earliest = Math.min(earliest, state.untilMs);
    }
    return earliest;
  }

  /** Why waiting cannot help (as the error to throw), or null when the caller should wait. */
  #refusal(
    attempt: Exclude<Attempt, { lease: Lease }>,
    deadlineAtMs: number,
  ): NoCredentialAvailableError | null {
    if (attempt.waitForRelease) return null;
    const now = this.#now();
    if (Number.isFinite(attempt.earliestMs)) {
      if (attempt.earliestMs <= deadlineAtMs) return null;
      const retryAfterMs = attempt.earliestMs - now;
      return new NoCredentialAvailableError(
        `every credential of ${this.providerId} is cooling down; the first is available in ${
          Math.ceil(retryAfterMs / 1000)
        } s`,
        { provider: this.providerId, retryAfterMs, status: 429 },
      );
    }
    return new NoCredentialAvailableError(`no usable credential of ${this.providerId} is left`, {
      provider: this.providerId,
      status: 503,
    });
  }

  #lease(record: CredentialRecord, model: string, scope: string): Lease {
    record.inFlight.set(model, (record.inFlight.get(model) ?? 0) + 1);
    let released = false;
    return {
      credential: record.credential,
      model,
      scope,
      release: () => {
        if (released) return;
        released = true;
        const count = (record.inFlight.get(model) ?? 1) - 1;
        if (count <= 0) record.inFlight.delete(model);
        else record.inFlight.set(model, count);
        this.#drain();
      },
    };
  }

  /** Serve waiters in FIFO order; reject those whose deadline passed or that nothing can serve. */
  #drain(): void {
    if (this.#waiters.length === 0) return;
    const now = this.#now();
    const { clock } = this.#options;
    for (const waiter of [...this.#waiters]) {
      const attempt = this.#tryAcquire(waiter.model, waiter.exclude);
      if ("lease" in attempt) {
        waiter.cleanup();
        waiter.resolve(attempt.lease);
        continue;
      }
      const refusal = this.#refusal(attempt, waiter.deadlineAtMs);
      if (refusal || now >= waiter.deadlineAtMs) {
        waiter.cleanup();
        waiter.reject(refusal ?? this.#deadlineError(attempt));
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

  #deadlineError(attempt: Exclude<Attempt, { lease: Lease }>): NoCredentialAvailableError {
    const now = this.#now();
    if (!attempt.waitForRelease && Number.isFinite(attempt.earliestMs)) {
      return new NoCredentialAvailableError(`every credential of ${this.providerId} is cooling down`, {
        provider: this.providerId,
        retryAfterMs: Math.max(0, attempt.earliestMs - now),
        status: 429,
      });
    }
    return new NoCredentialAvailableError(
      `every credential of ${this.providerId} stayed busy until the deadline (concurrency limit)`,
      { provider: this.providerId, status: 503 },
    );
  }
}
