/**
 * Responses the gateway produced, kept for a while so that a follow-up can name one
 * (`previous_response_id`) and clients can read or delete it (`GET`/`DELETE /v1/responses/{id}`). The
 * embedded store keeps them in memory, bounded in count and bytes, each for a fixed time; a store shared
 * by several instances (Redis) implements the same interface.
 * https://platform.openai.com/docs/guides/conversation-state#passing-context-from-the-previous-response
 */

/** A response as kept: what the client received, and the conversation it answered. */
export interface StoredResponse {
  /** The `response` object as the client received it. */
  response: Record<string, unknown>;
  /** The input items the response answered: the whole conversation before its output. */
  input: unknown[];
}

/** Where responses are kept for `previous_response_id`. */
export interface ResponseStore {
  /** The response, or null when it is unknown, expired or deleted. */
  get(id: string): Promise<StoredResponse | null>;
  /** Keep `stored` under `id` (replacing any earlier one). */
  put(id: string, stored: StoredResponse): Promise<void>;
  /** Forget a response; false when it was not there. */
  delete(id: string): Promise<boolean>;
}

/** Options of {@link MemoryResponseStore}. */
export interface MemoryResponseStoreOptions {
  /** How long a response is kept (`RESPONSES_STORE_TTL`); 0 keeps none. */
  ttlMs: number;
  /** Most responses kept; the oldest go first. @default 10_000 */
  maxEntries?: number;
  /** Most bytes (of JSON) kept; the oldest go first, and a larger response is not kept. @default 128 MiB */
  maxBytes?: number;
  /** Injected clock. @default Date.now */
  now?: () => number;
}

interface Entry {
  /** The stored response as JSON: its size is what it costs, and readers get their own copy. */
  json: string;
  expiresAtMs: number;
}

/** Responses in memory, in the order they were kept (with one TTL, also the order they expire). */
export class MemoryResponseStore implements ResponseStore {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: MemoryResponseStoreOptions) {
    const { ttlMs, maxEntries = 10_000, maxBytes = 128 * 1024 * 1024, now = Date.now } = options;
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#now = now;
  }

  /** How many responses and bytes are kept (expired ones included until they are swept). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  get(id: string): Promise<StoredResponse | null> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return Promise.resolve(null);
    if (entry.expiresAtMs <= this.#now()) {
      this.#remove(id, entry);
      return Promise.resolve(null);
    }
    return Promise.resolve(JSON.parse(entry.json) as StoredResponse);
  }

  put(id: string, stored: StoredResponse): Promise<void> {
    const existing = this.#entries.get(id);
    if (existing !== undefined) this.#remove(id, existing);
    const json = JSON.stringify(stored);
    if (this.#ttlMs <= 0 || json.length > this.#maxBytes) return Promise.resolve();
    this.#sweep();
    while (this.#entries.size >= this.#maxEntries || this.#bytes + json.length > this.#maxBytes) {
      const [oldestId, oldest] = this.#entries.entries().next().value as [string, Entry];
      this.#remove(oldestId, oldest);
    }
    this.#entries.set(id, { json, expiresAtMs: this.#now() + this.#ttlMs });
    this.#bytes += json.length;
    return Promise.resolve();
  }

  delete(id: string): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return Promise.resolve(false);
    this.#remove(id, entry);
    return Promise.resolve(entry.expiresAtMs > this.#now());
  }

  /** Drop expired responses from the oldest on (they expire in the order they were kept). */
  #sweep(): void {
    const now = this.#now();
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAtMs > now) break;
      this.#remove(id, entry);
    }
  }

  #remove(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= entry.json.length;
  }
}
