/**
 * Soft session affinity: the credential that last served a conversation, by the session hint its client
 * sent (`prompt_cache_key`, `user`, Anthropic's `metadata.user_id`). Providers keep prompt caches per key
 * (or organisation), so a conversation that stays on one key reads its prefix from the cache: cheaper and
 * faster. Memory is bounded: the least recently used sessions go first, and a session not seen for the
 * time to live is forgotten (provider caches are long cold by then).
 */
import type { Clock } from "./clock.ts";

/** Options of {@link SessionAffinity}. */
export interface SessionAffinityOptions {
  clock: Clock;
  /** Sessions remembered at most; the least recently used go first. @default 10000 */
  maxSessions?: number;
  /** A session not used for this long is forgotten. @default 3600000 (one hour, OpenAI's longest cache life) */
  ttlMs?: number;
}

/** Longest hint kept as it is; longer ones are cut (a hint only steers, so a rare collision is harmless). */
const MAX_HINT_LENGTH = 256;

interface Entry {
  index: number;
  expiresAtMs: number;
}

/** Which credential (by pool index) serves each recent session of one pool. */
export class SessionAffinity {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #maxSessions: number;
  readonly #ttlMs: number;

  constructor(options: SessionAffinityOptions) {
    const { clock, maxSessions = 10_000, ttlMs = 3_600_000 } = options;
    this.#clock = clock;
    this.#maxSessions = Math.max(1, maxSessions);
    this.#ttlMs = ttlMs;
  }

  /** The pool index of the credential that last served `session`, or -1 (unknown or expired). */
  indexOf(session: string): number {
    const key = keyOf(session);
    const entry = this.#entries.get(key);
    if (entry === undefined) return -1;
    if (entry.expiresAtMs <= this.#clock.now()) {
      this.#entries.delete(key);
      return -1;
    }
    return entry.index;
  }

  /** `session` is now served by the credential at `index` (and becomes the most recently used). */
  remember(session: string, index: number): void {
    const key = keyOf(session);
    // Re-inserting moves the entry to the end of the Map's order: the order is the LRU list.
    this.#entries.delete(key);
    this.#entries.set(key, { index, expiresAtMs: this.#clock.now() + this.#ttlMs });
    if (this.#entries.size > this.#maxSessions) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** How long a session not used is remembered. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Sessions remembered now (expired ones included until they are read or pushed out). */
  get size(): number {
    return this.#entries.size;
  }
}

function keyOf(session: string): string {
  return session.length > MAX_HINT_LENGTH ? session.slice(0, MAX_HINT_LENGTH) : session;
}
