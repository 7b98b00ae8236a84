/**
 * Credential states every instance honours: a cooldown, a disable or a needed re-login set by one
 * instance is a Redis key that expires by its own TTL when the rest is over, so nothing needs cleaning
 * up. The lease script (leases.ts) reads the same keys, so a key another instance cooled is skipped in
 * the very round trip that picks a key. Changes are also published, for local mirrors and displays.
 */
import type { RedisLink } from "./link.ts";

/** A rest shared across instances. */
export interface SharedState {
  state: "cooling" | "disabled" | "needs_relogin";
  reason: string;
  /** Epoch ms the rest ends; absent for a re-login, which lasts until the credential is replaced. */
  untilMs?: number;
  /** Step on the escalation ladder, so the next instance continues it. */
  step?: number;
}

/** A state with the credential and scope it belongs to. */
export interface SharedStateEntry {
  credentialId: string;
  /** The model or quota group; null for the whole credential. */
  scope: string | null;
  record: SharedState;
}

/** Shared credential states of every provider. */
export class SharedStates {
  readonly #link: RedisLink;
  readonly #now: () => number;

  constructor(link: RedisLink, options: { now?: () => number } = {}) {
    this.#link = link;
    this.#now = options.now ?? Date.now;
  }

  /** Record a rest; a rest already over is not written. */
  async set(
    provider: string,
    credentialId: string,
    scope: string | null,
    record: SharedState,
  ): Promise<void> {
    const key = this.#key(provider, credentialId, scope);
    const value = JSON.stringify(record);
    if (record.untilMs === undefined) {
      await this.#link.client.set(key, value);
    } else {
      const ttlMs = Math.ceil(record.untilMs - this.#now());
      if (ttlMs <= 0) return;
      await this.#link.client.set(key, value, "PX", ttlMs);
    }
    await this.#link.publish(this.#channel(provider), JSON.stringify({ credentialId, scope, record }));
  }

  /** End a rest early (a success, a re-login). */
  async clear(provider: string, credentialId: string, scope: string | null): Promise<void> {
    await this.#link.client.del(this.#key(provider, credentialId, scope));
    await this.#link.publish(this.#channel(provider), JSON.stringify({ credentialId, scope, record: null }));
  }

  /** Every rest in force for `provider`. */
  async all(provider: string): Promise<SharedStateEntry[]> {
    const prefix = this.#link.key("state", provider, "");
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.#link.client.scan(
        cursor,
        "MATCH",
        `${escapeGlob(prefix)}*`,
        "COUNT",
        500,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    if (keys.length === 0) return [];
    const values = await this.#link.client.mget(...keys);
    const entries: SharedStateEntry[] = [];
    for (const [index, key] of keys.entries()) {
      const value = values[index];
      if (value === null) continue;
      const rest = key.slice(prefix.length);
      const colon = rest.indexOf(":");
      if (colon < 0) continue;
      const scope = rest.slice(colon + 1);
      try {
        entries.push({
          credentialId: rest.slice(0, colon),
          scope: scope === "*" ? null : scope,
          record: JSON.parse(value) as SharedState,
        });
      } catch { /* a foreign value under our prefix: ignore it */ }
    }
    return entries;
  }

  /** Be told of every change another instance (or this one) makes for `provider`. */
  async onChange(
    provider: string,
    listener: (credentialId: string, scope: string | null, record: SharedState | null) => void,
  ): Promise<void> {
    await this.#link.subscribe(this.#channel(provider), (message) => {
      const { credentialId, scope, record } = JSON.parse(message);
      listener(credentialId, scope, record);
    });
  }

  #key(provider: string, credentialId: string, scope: string | null): string {
    return this.#link.key("state", provider, credentialId, scope ?? "*");
  }

  #channel(provider: string): string {
    return this.#link.key("state-changed", provider);
  }
}

/** Escape the glob characters of a SCAN pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
