/**
 * Stored responses (`previous_response_id`, `GET`/`DELETE /v1/responses/{id}`) in Redis, so a follow-up
 * may reach any instance. Each response and each of its items' index entries expire by their TTL; one
 * script keeps the count and the bytes bounded, dropping the oldest first, as the in-memory store does.
 * Keys are built inside the script from the prefix, so this store wants a single Redis (not a cluster).
 */
import { idOf, MemoryResponseStore, type ResponseStore, type StoredResponse } from "../response_store.ts";
import type { RedisLink } from "./link.ts";

// KEYS: index (zset id → time), sizes (hash id → bytes), total (bytes). ARGV: key prefix, id, JSON, TTL
// ms, most entries, most bytes, then the ids of the response's items.
const PUT = `
local prefix, id, json = ARGV[1], ARGV[2], ARGV[3]
local ttl, maxEntries, maxBytes = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local index, sizes, total = KEYS[1], KEYS[2], KEYS[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function forget(rid)
  local size = tonumber(redis.call('HGET', sizes, rid) or '0')
  redis.call('HDEL', sizes, rid)
  redis.call('ZREM', index, rid)
  redis.call('DECRBY', total, size)
  redis.call('DEL', prefix .. 'response:' .. rid)
end
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now - ttl)) do forget(rid) end
if redis.call('HEXISTS', sizes, id) == 1 then forget(id) end
local size = string.len(json)
if size > maxBytes then return 0 end
redis.call('SET', prefix .. 'response:' .. id, json, 'PX', ttl)
for i = 7, #ARGV do redis.call('SET', prefix .. 'response-item:' .. ARGV[i], id, 'PX', ttl) end
redis.call('ZADD', index, now, id)
redis.call('HSET', sizes, id, size)
redis.call('INCRBY', total, size)
while redis.call('ZCARD', index) > maxEntries or tonumber(redis.call('GET', total) or '0') > maxBytes do
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  if not oldest then break end
  forget(oldest)
end
return 1
`;

// KEYS: index, sizes, total. ARGV: key prefix, id.
const DELETE = `
local prefix, id = ARGV[1], ARGV[2]
local existed = redis.call('DEL', prefix .. 'response:' .. id)
local size = tonumber(redis.call('HGET', KEYS[2], id) or '0')
redis.call('HDEL', KEYS[2], id)
redis.call('ZREM', KEYS[1], id)
redis.call('DECRBY', KEYS[3], size)
return existed
`;

/** Options of {@link RedisResponseStore}. */
export interface RedisResponseStoreOptions {
  /** How long a response is kept (`RESPONSES_STORE_TTL`); 0 keeps none. */
  ttlMs: number;
  /** Most responses kept across instances. @default 10_000 */
  maxEntries?: number;
  /** Most bytes kept across instances. @default 128 MiB */
  maxBytes?: number;
}

/**
 * Responses shared by every instance. While Redis is away, responses are kept (and looked up) in this
 * instance's memory as well, so a conversation on this instance goes on.
 */
export class RedisResponseStore implements ResponseStore {
  readonly #link: RedisLink;
  readonly #options: Required<RedisResponseStoreOptions>;
  readonly #local: MemoryResponseStore;

  constructor(link: RedisLink, options: RedisResponseStoreOptions) {
    this.#link = link;
    this.#options = { maxEntries: 10_000, maxBytes: 128 * 1024 * 1024, ...options };
    this.#local = new MemoryResponseStore(this.#options);
  }

  async get(id: string): Promise<StoredResponse | null> {
    const shared = await this.#shared(() => this.#get(id));
    return shared ?? await this.#local.get(id);
  }

  async put(id: string, stored: StoredResponse): Promise<void> {
    const kept = await this.#shared(async () => {
      await this.#put(id, stored);
      return true;
    });
    if (!kept) await this.#local.put(id, stored);
  }

  async delete(id: string): Promise<boolean> {
    const [shared, local] = await Promise.all([this.#shared(() => this.#delete(id)), this.#local.delete(id)]);
    return shared === true || local;
  }

  async items(ids: readonly string[]): Promise<Map<string, unknown>> {
    const shared = await this.#shared(() => this.#items(ids));
    const local = await this.#local.items(ids);
    return new Map([...local, ...(shared ?? [])]);
  }

  /** Run `work` on Redis; null when it is away or fails (the caller uses local memory). */
  async #shared<T>(work: () => Promise<T>): Promise<T | null> {
    if (!this.#link.up) return null;
    try {
      return await work();
    } catch {
      return null;
    }
  }

  async #get(id: string): Promise<StoredResponse | null> {
    const json = await this.#link.client.get(this.#key(`response:${id}`));
    return json === null ? null : JSON.parse(json) as StoredResponse;
  }

  async #put(id: string, stored: StoredResponse): Promise<void> {
    if (this.#options.ttlMs <= 0) return;
    const output = Array.isArray(stored.response.output) ? stored.response.output : [];
    const itemIds = [...output, ...stored.input].map(idOf).filter((itemId) => itemId !== null);
    await this.#link.client.eval(
      PUT,
      3,
      ...this.#indexKeys(),
      this.#key(""),
      id,
      JSON.stringify(stored),
      String(this.#options.ttlMs),
      String(this.#options.maxEntries),
      String(this.#options.maxBytes),
      ...itemIds,
    );
  }

  async #delete(id: string): Promise<boolean> {
    return Number(await this.#link.client.eval(DELETE, 3, ...this.#indexKeys(), this.#key(""), id)) === 1;
  }

  async #items(ids: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    if (ids.length === 0) return found;
    const owners = await this.#link.client.mget(...ids.map((id) => this.#key(`response-item:${id}`)));
    // One read per response, however many of its items are asked for.
    const responses = new Map<string, Promise<StoredResponse | null>>();
    for (const [index, id] of ids.entries()) {
      const owner = owners[index];
      if (owner === null) continue;
      if (!responses.has(owner)) responses.set(owner, this.#get(owner));
      const stored = await responses.get(owner);
      if (!stored) continue;
      const output = Array.isArray(stored.response.output) ? stored.response.output : [];
      const item = [...output, ...stored.input].find((candidate) => idOf(candidate) === id);
      if (item !== undefined) found.set(id, item);
    }
    return found;
  }

  #indexKeys(): string[] {
    return [this.#key("responses"), this.#key("response-sizes"), this.#key("response-bytes")];
  }

  #key(name: string): string {
    return this.#link.key(name);
  }
}
