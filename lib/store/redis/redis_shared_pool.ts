/**
 * {@link SharedPool} on Redis: the leases, rests and usage of lib/store/redis put together for the
 * credential pools. Every write that may fail is fire-and-forget with a log line at debug level: the pool
 * has already applied the change to its own mirror, and the one warning about a lost store comes from
 * the link.
 */
import type {
  SharedCandidate,
  SharedPick,
  SharedPool,
  SharedPoolListener,
  SharedRest,
  SharedSession,
  SharedUsageDelta,
} from "../../rotator/shared_pool.ts";
import type { Logger } from "../../log/logger.ts";
import { SharedLeases } from "./leases.ts";
import type { RedisLink } from "./link.ts";
import { SharedStates } from "./shared_states.ts";
import { SharedUsage } from "./shared_usage.ts";

/** Options of {@link RedisSharedPool}. */
export interface RedisSharedPoolOptions {
  /** How long a slot lives without renewal (a crashed instance's slots free after it). @default 30000 */
  leaseTtlMs?: number;
  logger?: Logger;
  now?: () => number;
}

/** Shared slots, rests and usage on one Redis link. */
export class RedisSharedPool implements SharedPool {
  readonly #link: RedisLink;
  readonly #leases: SharedLeases;
  readonly #states: SharedStates;
  readonly #usage: SharedUsage;
  readonly #logger: Logger | undefined;
  /** Releases that could not be sent while the store was away; sent when it returns. */
  readonly #pendingReleases = new Map<string, string>();
  readonly pollMs: number;

  constructor(link: RedisLink, options: RedisSharedPoolOptions = {}) {
    this.#link = link;
    this.#leases = new SharedLeases(link, { leaseTtlMs: options.leaseTtlMs });
    this.pollMs = Math.max(100, Math.floor((options.leaseTtlMs ?? 30_000) / 4));
    this.#states = new SharedStates(link, { now: options.now });
    this.#usage = new SharedUsage(link);
    this.#logger = options.logger;
    link.onUp(() => {
      for (const [leaseId, provider] of this.#pendingReleases) this.release(provider, leaseId);
    });
  }

  get up(): boolean {
    return this.#link.up;
  }

  /** The leases part (tests, statistics). */
  get leases(): SharedLeases {
    return this.#leases;
  }

  /** The usage part (`/v1/quota-stats`). */
  get usage(): SharedUsage {
    return this.#usage;
  }

  pickAndLease(
    provider: string,
    scope: string,
    candidates: readonly SharedCandidate[],
    session?: SharedSession,
  ): Promise<SharedPick> {
    return this.#leases.pickAndLease(provider, scope, candidates, session);
  }

  release(provider: string, leaseId: string): void {
    this.#pendingReleases.set(leaseId, provider);
    this.#leases.release(provider, leaseId).then(
      () => this.#pendingReleases.delete(leaseId),
      (error) => this.#debug(`release of ${leaseId} waits for the store: ${(error as Error).message}`),
    );
  }

  publishRest(provider: string, credentialId: string, scope: string | null, rest: SharedRest | null): void {
    if (!this.#link.up) return; // reconciled when the store returns (see the pools' onUp)
    const write = rest === null
      ? this.#states.clear(provider, credentialId, scope)
      : this.#states.set(provider, credentialId, scope, rest);
    write.catch((error) => this.#debug(`cannot share a rest of ${provider}: ${(error as Error).message}`));
  }

  async rests(
    provider: string,
  ): Promise<Array<{ credentialId: string; scope: string | null; rest: SharedRest }>> {
    const entries = await this.#states.all(provider);
    return entries.map(({ credentialId, scope, record }) => ({ credentialId, scope, rest: record }));
  }

  addUsage(
    provider: string,
    target: { credentialId: string; scope: string; windowId: number },
    delta: SharedUsageDelta,
  ): void {
    if (!this.#link.up) return;
    this.#usage.add(provider, target, delta).catch((error) =>
      this.#debug(`cannot add usage of ${provider}: ${(error as Error).message}`)
    );
  }

  watch(provider: string, listener: SharedPoolListener): void {
    const subscribed = Promise.all([
      this.#leases.onRelease(provider, () => listener({ type: "released" })),
      this.#states.onChange(provider, (credentialId, scope, rest) => {
        listener({ type: "rest", credentialId, scope, rest });
      }),
    ]);
    subscribed.catch((error) =>
      this.#logger?.warn(`redis: cannot watch ${provider}: ${(error as Error).message}`)
    );
  }

  /** Stop renewing leases (shutdown). */
  close(): void {
    this.#leases.close();
  }

  #debug(message: string): void {
    this.#logger?.debug(`redis: ${message}`);
  }
}
