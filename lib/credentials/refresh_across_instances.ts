/**
 * One OAuth refresh at a time across instances (`STATE_STORE=redis://…`). Some vendors rotate refresh
 * tokens (OpenAI answers a reused one with `refresh_token_reused` and the account is lost until a new
 * login), so two instances refreshing the same account at once would break it. The instance that takes the
 * account's lock first re-reads the shared tokens (another may have refreshed already: it uses those),
 * otherwise refreshes, stores the new tokens and announces them; the others wait for the news (announced,
 * or polled: a lock holder that dies frees the lock by its expiry) and take the new tokens. When the store
 * is away, the refresh runs on this instance alone, with one warning until the store answers again.
 */
import type { Logger } from "../log/logger.ts";
import type { StoredCredential } from "./stored_credential.ts";

/** A held lock; it stays held (renewed) until released or its holder dies. */
export interface TokenLock {
  release(): Promise<void>;
}

/** Tokens the instances share (the Redis implementation lives in lib/store/redis/shared_tokens.ts). */
export interface SharedTokens {
  /** Whether the store answers now. */
  readonly up: boolean;
  /** The latest tokens an instance stored for the account, or null. */
  read(accountId: string): Promise<StoredCredential | null>;
  /** Store an account's new tokens and announce them to the other instances. */
  write(accountId: string, stored: StoredCredential): Promise<void>;
  /** Take the account's refresh lock, or null while another instance holds it. */
  lock(accountId: string): Promise<TokenLock | null>;
  /** Be told (by account id, never by token) when another instance stored new tokens. */
  watch(listener: (accountId: string) => void): void;
  /** Be told when the store answers again after being away. */
  onUp(listener: () => void): void;
}

/** The time a waiting instance needs (the accounts' clock has this shape). */
export interface RefreshClock {
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** What a refresh of one account does on this instance. */
export interface RefreshSteps {
  /** The tokens this instance holds now. */
  current(): StoredCredential;
  /** Whether tokens may serve without a refresh. */
  isFresh(stored: StoredCredential): boolean;
  /**
   * Whether the tokens held now may serve while another instance refreshes (not expired, not refused by
   * the API): then the lock never makes a call wait. @default () => false
   */
  canServe?(): boolean;
  /** Take tokens another instance stored. */
  adopt(stored: StoredCredential): void;
  /** Refresh here (the vendor's token endpoint); resolves with the tokens now held. */
  refresh(): Promise<StoredCredential>;
}

/** Options of {@link RefreshAcrossInstances}. */
export interface RefreshAcrossInstancesOptions {
  clock: RefreshClock;
  logger?: Logger;
  /** How often a waiting instance looks at the shared tokens when no news arrives. @default 250 */
  pollMs?: number;
  /** A store command not answered within this counts as the store being away. @default 2000 */
  commandTimeoutMs?: number;
  /** Another instance stored new tokens for an account this instance is not refreshing. */
  onNews?: (accountId: string) => void;
}

/** Whether `candidate` replaces `held`: other tokens, and living at least as long. */
export function isNewer(candidate: StoredCredential, held: StoredCredential): boolean {
  const expiryOf = (stored: StoredCredential) => stored.expiry_date ?? Number.MAX_SAFE_INTEGER;
  return candidate.access_token !== held.access_token && expiryOf(candidate) >= expiryOf(held);
}

/** Refreshes OAuth accounts one instance at a time. */
export class RefreshAcrossInstances {
  readonly #shared: SharedTokens;
  readonly #clock: RefreshClock;
  readonly #logger: Logger | undefined;
  readonly #pollMs: number;
  readonly #commandTimeoutMs: number;
  /** Instances waiting for an account's news, woken when it arrives. */
  readonly #waiters = new Map<string, Set<() => void>>();
  /** One warning per outage of the store, not one per refresh. */
  #warned = false;
  /** Tokens refreshed here while the store was away, by account id. */
  readonly #unsent = new Map<string, StoredCredential>();

  constructor(shared: SharedTokens, options: RefreshAcrossInstancesOptions) {
    const { clock, logger, pollMs = 250, commandTimeoutMs = 2000, onNews } = options;
    this.#shared = shared;
    this.#clock = clock;
    this.#logger = logger;
    this.#pollMs = pollMs;
    this.#commandTimeoutMs = commandTimeoutMs;
    shared.watch((accountId) => {
      const waiting = this.#waiters.get(accountId);
      if (waiting && waiting.size > 0) { for (const wake of [...waiting]) wake(); }
      else onNews?.(accountId);
    });
    shared.onUp(() => void this.#sendUnsent());
  }

  /** The tokens another instance stored for the account, when they replace `held`; null otherwise. */
  async newerThan(accountId: string, held: StoredCredential): Promise<StoredCredential | null> {
    if (!this.#shared.up) return null;
    try {
      const latest = await this.#inTime(this.#shared.read(accountId));
      this.#warned = false;
      return latest && isNewer(latest, held) ? latest : null;
    } catch {
      return null;
    }
  }

  /** Refresh the account once across instances (or take the tokens another instance just got). */
  async refresh(accountId: string, steps: RefreshSteps): Promise<void> {
    for (;;) {
      let lock: TokenLock | null;
      try {
        if (!this.#shared.up) throw new Error("the state store is away");
        lock = await this.#inTime(
          this.#shared.lock(accountId),
          (late) => void late?.release().catch(() => {}),
        );
      } catch (error) {
        this.#warnDown(error);
        const next = await steps.refresh();
        // Sent when the store returns: the others must not refresh with the refresh token this one used.
        this.#unsent.set(accountId, next);
        return;
      }
      if (lock) {
        try {
          await this.#refreshHolding(accountId, steps);
          return;
        } finally {
          await lock.release().catch(() => {});
        }
      }
      // Another instance refreshes: a token that still lives serves meanwhile (its news replaces it);
      // otherwise its news (or the lock's expiry, should it die) lets this one go on.
      if (steps.canServe?.()) return;
      await this.#waitForNews(accountId);
      const latest = await this.newerThan(accountId, steps.current());
      if (latest) {
        steps.adopt(latest);
        if (steps.isFresh(latest)) return;
      }
    }
  }

  async #refreshHolding(accountId: string, steps: RefreshSteps): Promise<void> {
    const latest = await this.newerThan(accountId, steps.current());
    if (latest) {
      steps.adopt(latest);
      if (steps.isFresh(latest)) return;
    }
    const next = await steps.refresh();
    try {
      await this.#shared.write(accountId, next);
      this.#unsent.delete(accountId);
      this.#warned = false;
    } catch (error) {
      this.#unsent.set(accountId, next);
      this.#warnDown(error);
    }
  }

  /** Store the tokens refreshed while the store was away, unless another instance stored newer ones. */
  async #sendUnsent(): Promise<void> {
    for (const [accountId, stored] of [...this.#unsent]) {
      try {
        const there = await this.#inTime(this.#shared.read(accountId));
        if (there === null || isNewer(stored, there)) await this.#shared.write(accountId, stored);
        if (this.#unsent.get(accountId) === stored) this.#unsent.delete(accountId);
      } catch {
        return; // away again: sent on its next return
      }
    }
    this.#warned = false;
  }

  /** A store that hangs (stopped, not closed) counts as away: the refresh never waits on it for long. */
  #inTime<T>(promise: Promise<T>, onLate?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let late = false;
      const timer = this.#clock.setTimer(() => {
        late = true;
        reject(new Error("the state store did not answer in time"));
      }, this.#commandTimeoutMs);
      promise.then(
        (value) => {
          this.#clock.clearTimer(timer);
          // A lock granted after the caller gave up is given back at once.
          if (late) onLate?.(value);
          else resolve(value);
        },
        (error) => {
          this.#clock.clearTimer(timer);
          reject(error);
        },
      );
    });
  }

  #waitForNews(accountId: string): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.#waiters.get(accountId) ?? new Set<() => void>();
      this.#waiters.set(accountId, waiting);
      const wake = () => {
        this.#clock.clearTimer(timer);
        waiting.delete(wake);
        if (waiting.size === 0) this.#waiters.delete(accountId);
        resolve();
      };
      const timer = this.#clock.setTimer(wake, this.#pollMs);
      waiting.add(wake);
    });
  }

  #warnDown(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#logger?.warn(
      `OAuth refresh runs on this instance alone while the state store is away (${(error as Error).message})`,
    );
  }
}
