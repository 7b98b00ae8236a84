/**
 * Named JSON documents in Redis, optionally with a time to live: the same {@link StateStore} the JSON
 * files implement, so whatever the proxy saves can live in Redis when several instances share it.
 */
import type { StateStore } from "../state_store.ts";
import type { RedisLink } from "./link.ts";

/** Documents under `<prefix>:doc:<name>`. */
export class RedisDocumentStore implements StateStore {
  readonly #link: RedisLink;

  constructor(link: RedisLink) {
    this.#link = link;
  }

  async load(name: string): Promise<unknown | null> {
    const text = await this.#link.client.get(this.#key(name));
    if (text === null) return null;
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  /** Save `document`; with `ttlMs` it disappears by itself after that time. */
  async save(name: string, document: unknown, options: { ttlMs?: number } = {}): Promise<void> {
    const text = JSON.stringify(document);
    if (options.ttlMs !== undefined) await this.#link.client.set(this.#key(name), text, "PX", options.ttlMs);
    else await this.#link.client.set(this.#key(name), text);
  }

  /** Remove a document; true when there was one. */
  async delete(name: string): Promise<boolean> {
    return (await this.#link.client.del(this.#key(name))) === 1;
  }

  #key(name: string): string {
    return this.#link.key("doc", name);
  }
}
