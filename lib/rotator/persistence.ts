/**
 * Persisting pools: usage, cooldowns and disabled states survive a restart. Credentials are stored
 * by id (a hash of the secret) plus their masked label, never in plaintext. Writes are debounced
 * (at most one per provider every few seconds) and flushed on shutdown.
 */
import type { Logger } from "../log/logger.ts";
import type { StateStore } from "../store/state_store.ts";
import type { Clock } from "./clock.ts";
import type { KeyPool, ScopeRecord } from "./key_pool.ts";
import { AVAILABLE, currentState, isCoolingReason, type KeyState } from "./key_state.ts";
import { emptyCounters, type UsageCounters, type UsageRecord } from "./usage.ts";

/** The persisted form of one pool. */
export interface PoolSnapshot {
  version: 1;
  provider: string;
  savedAtMs: number;
  providerState: KeyState;
  credentials: Record<string, {
    label: string;
    disabled: KeyState;
    scopes: Record<string, ScopeRecord>;
  }>;
}

/** The snapshot of a pool as of `nowMs` (expired states are saved as available). */
export function exportPool(pool: KeyPool, nowMs: number): PoolSnapshot {
  const credentials: PoolSnapshot["credentials"] = {};
  for (const record of pool.records) {
    const scopes: Record<string, ScopeRecord> = {};
    for (const [scope, scoped] of record.scopes) {
      scopes[scope] = {
        state: currentState(scoped.state, nowMs),
        strikes: scoped.strikes,
        usage: scoped.usage,
      };
    }
    credentials[record.credential.id] = {
      label: record.credential.label,
      disabled: currentState(record.disabled, nowMs),
      scopes,
    };
  }
  return {
    version: 1,
    provider: pool.providerId,
    savedAtMs: nowMs,
    providerState: pool.providerState,
    credentials,
  };
}

/** Restore what a snapshot knows about credentials still in the pool; unknown or malformed parts are skipped. */
export function importPool(pool: KeyPool, snapshot: unknown, nowMs: number): number {
  if (!isObject(snapshot) || snapshot.version !== 1 || !isObject(snapshot.credentials)) return 0;
  let restored = 0;
  for (const [id, saved] of Object.entries(snapshot.credentials)) {
    const record = pool.record(id);
    if (!record || !isObject(saved)) continue;
    pool.setDisabled(record, currentState(readState(saved.disabled), nowMs));
    if (isObject(saved.scopes)) {
      for (const [scope, scopedValue] of Object.entries(saved.scopes)) {
        if (!isObject(scopedValue)) continue;
        pool.setScopeState(record, scope, currentState(readState(scopedValue.state), nowMs));
        pool.scopeRecord(record, scope).strikes = typeof scopedValue.strikes === "number"
          ? scopedValue.strikes
          : 0;
        const usage = readUsage(scopedValue.usage);
        if (usage) pool.setScopeUsage(record, scope, usage);
      }
    }
    restored++;
  }
  return restored;
}

/** Options of {@link PoolPersistence}. */
export interface PoolPersistenceOptions {
  store: StateStore;
  clock: Clock;
  logger?: Logger;
  /** Minimum time between two writes of one provider's file. @default 5000 */
  debounceMs?: number;
}

/** Loads pools at start, saves changed ones (debounced), and flushes everything on shutdown. */
export class PoolPersistence {
  readonly #pools: ReadonlyMap<string, KeyPool>;
  readonly #options: Required<Omit<PoolPersistenceOptions, "logger">> & { logger?: Logger };
  readonly #dirty = new Set<string>();
  #timer: unknown = undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(pools: ReadonlyMap<string, KeyPool>, options: PoolPersistenceOptions) {
    this.#pools = pools;
    this.#options = { debounceMs: 5_000, ...options };
  }

  /** The store name of a provider's file: `usage_<provider>`. */
  static fileName(providerId: string): string {
    return `usage_${providerId.replace(/[^a-z0-9_.-]/gi, "_")}`;
  }

  /** Restore every pool from the store. */
  async load(): Promise<void> {
    const now = this.#options.clock.now();
    for (const [id, pool] of this.#pools) {
      try {
        const snapshot = await this.#options.store.load(PoolPersistence.fileName(id));
        if (snapshot !== null) importPool(pool, snapshot, now);
      } catch (error) {
        this.#options.logger?.warn(`cannot load saved state of ${id}: ${(error as Error).message}`);
      }
    }
  }

  /** Note that a provider's pool changed; it is written within `debounceMs`. */
  markDirty(providerId: string): void {
    this.#dirty.add(providerId);
    if (this.#timer !== undefined) return;
    this.#timer = this.#options.clock.setTimer(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#options.debounceMs);
  }

  /** Write every changed pool now. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      this.#options.clock.clearTimer(this.#timer);
      this.#timer = undefined;
    }
    const ids = [...this.#dirty];
    this.#dirty.clear();
    const now = this.#options.clock.now();
    this.#writing = this.#writing.then(async () => {
      for (const id of ids) {
        const pool = this.#pools.get(id);
        if (!pool) continue;
        try {
          await this.#options.store.save(PoolPersistence.fileName(id), exportPool(pool, now));
        } catch (error) {
          this.#options.logger?.warn(`cannot save state of ${id}: ${(error as Error).message}`);
        }
      }
    });
    return this.#writing;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function readState(value: unknown): KeyState {
  if (!isObject(value) || typeof value.untilMs !== "number") return AVAILABLE;
  if (value.status === "cooling" && isCoolingReason(value.reason)) {
    return { status: "cooling", untilMs: value.untilMs, reason: value.reason };
  }
  if (value.status === "disabled") return { status: "disabled", reason: "auth", untilMs: value.untilMs };
  return AVAILABLE;
}

function readUsage(value: unknown): UsageRecord | null {
  if (!isObject(value) || typeof value.windowId !== "number") return null;
  return { windowId: value.windowId, window: readCounters(value.window), totals: readCounters(value.totals) };
}

function readCounters(value: unknown): UsageCounters {
  const counters = emptyCounters();
  if (!isObject(value)) return counters;
  for (const key of Object.keys(counters) as Array<keyof UsageCounters>) {
    if (typeof value[key] === "number" && Number.isFinite(value[key])) counters[key] = value[key] as number;
  }
  return counters;
}
