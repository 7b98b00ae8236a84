/**
 * Usage windows and totals that every instance adds to: atomic increments per credential and model (or
 * quota group), so `/v1/quota-stats` on any instance shows the same numbers. A daily window's hash
 * expires a few days after it ends; totals stay.
 */
import type { RedisLink } from "./link.ts";

/** The counters one call adds. */
export interface UsageDelta {
  requests: number;
  successes: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

/** The counters of one credential's scope. */
export interface SharedUsageEntry {
  credentialId: string;
  scope: string;
  /** The current window's counters (zeros when nothing was counted in it). */
  window: UsageDelta;
  totals: UsageDelta;
}

const FIELDS = [
  "requests",
  "successes",
  "failures",
  "promptTokens",
  "completionTokens",
  "cachedTokens",
  "reasoningTokens",
] as const;

/** How long a window's counters are kept after it started. */
const WINDOW_KEEP_SECONDS = 3 * 24 * 3600;

/** Shared usage counters. */
export class SharedUsage {
  readonly #link: RedisLink;

  constructor(link: RedisLink) {
    this.#link = link;
  }

  /** Add one call's counters to the window `windowId` and to the totals. */
  async add(
    provider: string,
    target: { credentialId: string; scope: string; windowId: number },
    delta: Partial<UsageDelta>,
  ): Promise<void> {
    const { credentialId, scope, windowId } = target;
    const windowKey = this.#key(provider, credentialId, scope, `w${windowId}`);
    const totalsKey = this.#key(provider, credentialId, scope, "total");
    const batch = this.#link.client.multi();
    for (const key of [windowKey, totalsKey]) {
      for (const field of FIELDS) {
        const value = delta[field] ?? 0;
        if (value !== 0) batch.hincrby(key, field, Math.round(value));
      }
      if (delta.costUsd) batch.hincrbyfloat(key, "costUsd", delta.costUsd);
    }
    batch.expire(windowKey, WINDOW_KEEP_SECONDS);
    batch.sadd(this.#link.key("usage-index", provider), JSON.stringify([credentialId, scope]));
    await batch.exec();
  }

  /** Every counted scope of `provider`, with the window `windowId` and the totals. */
  async read(provider: string, windowId: number): Promise<SharedUsageEntry[]> {
    const members = await this.#link.client.smembers(this.#link.key("usage-index", provider));
    if (members.length === 0) return [];
    const pairs = members.map((member) => JSON.parse(member) as [string, string]);
    const batch = this.#link.client.multi();
    for (const [credentialId, scope] of pairs) {
      batch.hgetall(this.#key(provider, credentialId, scope, `w${windowId}`));
      batch.hgetall(this.#key(provider, credentialId, scope, "total"));
    }
    const results = (await batch.exec()) ?? [];
    return pairs.map(([credentialId, scope], index) => ({
      credentialId,
      scope,
      window: counters(results[index * 2]?.[1]),
      totals: counters(results[index * 2 + 1]?.[1]),
    }));
  }

  #key(provider: string, credentialId: string, scope: string, which: string): string {
    return this.#link.key("usage", provider, credentialId, scope, which);
  }
}

function counters(hash: unknown): UsageDelta {
  const fields = (hash ?? {}) as Record<string, string>;
  const read = (name: string) => Number(fields[name] ?? 0) || 0;
  return {
    requests: read("requests"),
    successes: read("successes"),
    failures: read("failures"),
    promptTokens: read("promptTokens"),
    completionTokens: read("completionTokens"),
    cachedTokens: read("cachedTokens"),
    reasoningTokens: read("reasoningTokens"),
    costUsd: read("costUsd"),
  };
}
