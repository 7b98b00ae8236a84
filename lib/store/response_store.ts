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
  /**
   * Items of kept responses (their output, or the input they answered) by the items' `id`s, for
   * `item_reference` input items (the AI SDK sends past answers as such with `store: true`). Ids of no
   * kept item are missing from the map.
   */
  items(ids: readonly string[]): Promise<Map<string, unknown>>;
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
  /** The `id`s of its items, indexed in `#items`. */
  itemIds: string[];
}

/** Responses in memory, in the order they were kept (with one TTL, also the order they expire). */
export class MemoryResponseStore implements ResponseStore {
  readonly #entries = new Map<string, Entry>();
  /** Item id → the id of the response that holds it. */
  readonly #items = new Map<string, string>();
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
    return Promise.resolve(this.#read(id));
  }

  items(ids: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    // One read per response, however many of its items are asked for.
    const responses = new Map<string, StoredResponse | null>();
    for (const id of ids) {
      const responseId = this.#items.get(id);
      if (responseId === undefined) continue;
      if (!responses.has(responseId)) responses.set(responseId, this.#read(responseId));
      const stored = responses.get(responseId);
      if (!stored) continue;
      const output = Array.isArray(stored.response.output) ? stored.response.output : [];
      const item = [...output, ...stored.input].find((candidate) => idOf(candidate) === id);
      if (item !== undefined) found.set(id, item);
    }
    return Promise.resolve(found);
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
    const output = Array.isArray(stored.response.output) ? stored.response.output : [];
    const itemIds = [...output, ...stored.input].map(idOf).filter((itemId) => itemId !== null);
    this.#entries.set(id, { json, expiresAtMs: this.#now() + this.#ttlMs, itemIds });
    for (const itemId of itemIds) this.#items.set(itemId, id);
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

  #read(id: string): StoredResponse | null {
    const entry = this.#entries.get(id);
    if (entry === undefined) return null;
    if (entry.expiresAtMs <= this.#now()) {
      this.#remove(id, entry);
      return null;
    }
    return JSON.parse(entry.json) as StoredResponse;
  }

  #remove(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= entry.json.length;
    // A later response may hold the same item (a follow-up repeats its input): keep its claim.
    for (const itemId of entry.itemIds) if (this.#items.get(itemId) === id) this.#items.delete(itemId);
  }
}

/** The `id` of an item, or null. */
export function idOf(item: unknown): string | null {
  const id = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === "string" && id !== "" ? id : null;
}
