/**
 * What a credential pool shares with the other instances of the proxy, when several spend the same keys
 * (`STATE_STORE=redis://…`): in-flight slots, credential states and usage counts. The pool keeps its own
 * state as a mirror and falls back to it alone whenever the shared store is away (`up` false), so a lost
 * store never stops a call. The Redis implementation lives in lib/store/redis/.
 */

/** A credential the pool would take, best first, with the calls it may carry at once. */
export interface SharedCandidate {
  credentialId: string;
  capacity: number;
  /** Lower serves first (a session's credential never wins over a free one of a better priority). @default 0 */
  priority?: number;
}

/** A conversation's session hint, which every instance keeps on one credential (`SESSION_AFFINITY`). */
export interface SharedSession {
  /** The client's hint (the store keeps it hashed). */
  hint: string;
  /** A session not used for this long is forgotten. */
  ttlMs: number;
}

/** What a shared pick found. */
export type SharedPick =
  | { leased: true; index: number; leaseId: string }
  | { leased: false; reason: "busy" | "cooling" };

/** A rest as the instances share it. */
export interface SharedRest {
  state: "cooling" | "disabled" | "needs_relogin";
  reason: string;
  untilMs?: number;
  /** Consecutive failures (the ladder's rung), so the next instance continues the ladder. */
  step?: number;
}

/** The counters one finished call adds. */
export interface SharedUsageDelta {
  requests: number;
  successes: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

/** The shared side of every pool of this instance. */
export interface SharedPool {
  /** Whether the shared store answers now. */
  readonly up: boolean;
  /**
   * How often a caller waiting for a busy key looks again: slots of a crashed instance free by expiring,
   * which nobody announces.
   */
  readonly pollMs: number;
  /**
   * Lease a slot on the first candidate that is neither resting (anywhere) nor full (everywhere); with a
   * session, on the credential that served it last on any instance while it may serve (it takes no extra
   * round trip), and the leased credential becomes the session's.
   */
  pickAndLease(
    provider: string,
    scope: string,
    candidates: readonly SharedCandidate[],
    session?: SharedSession,
  ): Promise<SharedPick>;
  /** Give a slot back (never throws: a release that cannot be sent now is sent when the store returns). */
  release(provider: string, leaseId: string): void;
  /** Publish a credential's rest, or its end (`rest` null). Never throws. */
  publishRest(provider: string, credentialId: string, scope: string | null, rest: SharedRest | null): void;
  /** Every rest in force for `provider` (to refresh a stale mirror). */
  rests(provider: string): Promise<Array<{ credentialId: string; scope: string | null; rest: SharedRest }>>;
  /** Add a call's counters. Never throws. */
  addUsage(
    provider: string,
    target: { credentialId: string; scope: string; windowId: number },
    delta: SharedUsageDelta,
  ): void;
  /** Be told when another instance frees a slot, or changes a rest, of `provider`. */
  watch(provider: string, listener: SharedPoolListener): void;
}

/** What {@link SharedPool.watch} reports. */
export type SharedPoolListener = (
  change:
    | { type: "released" }
    | { type: "rest"; credentialId: string; scope: string | null; rest: SharedRest | null },
) => void;

/** Callers of one scope take turns, first come first served, while they wait for a shared slot. */
export class FifoTurns {
  readonly #queues = new Map<string, Array<() => void>>();

  /** Wait for this caller's turn on `key`; resolves with the function that ends the turn. */
  async enter(key: string): Promise<() => void> {
    let queue = this.#queues.get(key);
    if (!queue) this.#queues.set(key, queue = []);
    let start!: () => void;
    const turn = new Promise<void>((resolve) => start = resolve);
    queue.push(start);
    if (queue.length === 1) start();
    await turn;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      queue.shift();
      if (queue.length > 0) queue[0]();
      else this.#queues.delete(key);
    };
  }
}
