/**
 * Persisting pools: usage, cooldowns and disabled states survive a restart. Credentials are stored
 * by id (a hash of the secret) plus their masked label, never in plaintext.
 *
 * Two paces: a change of a credential's state (a cooldown, a disabled key: rare, and costly to forget,
 * since a restarted proxy would hammer a key that is resting) is written at once, on the
 * `credential-state` event. Usage (every call) is debounced: at most one write per provider every
 * `debounceMs` (5 s by default), so a crash loses at most the last 5 s of counts. Shutdown flushes all.
 */
import type { Logger } from "../log/logger.ts";
import type { StateStore } from "../store/state_store.ts";
import type { Clock } from "./clock.ts";
import type { EventHub } from "./events.ts";
import type { KeyPool } from "./key_pool.ts";

export type { PoolSnapshot } from "./pool_snapshot.ts";

/** Options of {@link PoolPersistence}. */
export interface PoolPersistenceOptions {
  store: StateStore;
  clock: Clock;
  logger?: Logger;
  /** Longest time a usage change waits before it is written. @default 5000 */
  debounceMs?: number;
  /** When given, a credential's change of state is written at once instead of after `debounceMs`. */
  events?: EventHub;
}

/** Loads pools at start, saves changed ones (state at once, usage debounced), and flushes everything on shutdown. */
export class PoolPersistence {
  readonly #pools: ReadonlyMap<string, KeyPool>;
  readonly #options: Required<Omit<PoolPersistenceOptions, "logger" | "events">> & { logger?: Logger };
  readonly #dirty = new Set<string>();
  #timer: unknown = undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;

  constructor(pools: ReadonlyMap<string, KeyPool>, options: PoolPersistenceOptions) {
    this.#pools = pools;
    this.#options = { debounceMs: 5_000, ...options };
    this.#unsubscribe = options.events?.subscribe((event) => {
      if (event.type !== "credential-state") return;
      this.#dirty.add(event.provider);
      return this.flush();
    }) ?? (() => {});
  }

  /** The store name of a provider's file: `usage_<provider>`. */
  static fileName(providerId: string): string {
    return `usage_${providerId.replace(/[^a-z0-9_.-]/gi, "_")}`;
  }

  /** Restore every pool from the store. */
  async load(): Promise<void> {
    for (const [id, pool] of this.#pools) {
      try {
        const snapshot = await this.#options.store.load(PoolPersistence.fileName(id));
        if (snapshot !== null) pool.restore(snapshot);
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
    if (ids.length === 0) return this.#writing;
    this.#writing = this.#writing.then(async () => {
      for (const id of ids) {
        const pool = this.#pools.get(id);
        if (!pool) continue;
        try {
          await this.#options.store.save(PoolPersistence.fileName(id), pool.snapshot());
        } catch (error) {
          this.#options.logger?.warn(`cannot save state of ${id}: ${(error as Error).message}`);
        }
      }
    });
    return this.#writing;
  }

  /** Stop listening to state changes (the last flush is the caller's). */
  close(): void {
    this.#unsubscribe();
  }
}
