/**
 * OAuth tokens the instances share on Redis: the latest tokens of each account under
 * `<prefix>:oauth:<account id>` (secrets: never logged, and gone by their TTL once no instance refreshes
 * them), the news of new tokens on `<prefix>:oauth-news` (the account id only), and the account's refresh
 * lock `<prefix>:lock:oauth:<account id>`, renewed while its holder lives and freed by expiry if it dies.
 */
import type { SharedTokens, TokenLock } from "../../credentials/refresh_across_instances.ts";
import { type StoredCredential, storedCredentialSchema } from "../../credentials/stored_credential.ts";
import type { RedisLink } from "./link.ts";
import { renewLock, tryLock, unlock } from "./lock.ts";

/** Options of {@link RedisSharedTokens}. */
export interface RedisSharedTokensOptions {
  /** A dead holder's lock frees after this; a live holder renews it at a third of it. @default 10000 */
  lockTtlMs?: number;
  /** Shared tokens not written again for this long disappear. @default 2592000000 (30 days) */
  tokensTtlMs?: number;
}

/** {@link SharedTokens} on Redis. */
export class RedisSharedTokens implements SharedTokens {
  readonly #link: RedisLink;
  readonly #lockTtlMs: number;
  readonly #tokensTtlMs: number;
  readonly #channel: string;

  constructor(link: RedisLink, options: RedisSharedTokensOptions = {}) {
    const { lockTtlMs = 10_000, tokensTtlMs = 30 * 24 * 3_600_000 } = options;
    this.#link = link;
    this.#lockTtlMs = lockTtlMs;
    this.#tokensTtlMs = tokensTtlMs;
    this.#channel = link.key("oauth-news");
  }

  get up(): boolean {
    return this.#link.up;
  }

  async read(accountId: string): Promise<StoredCredential | null> {
    const text = await this.#link.client.get(this.#link.key("oauth", accountId));
    if (text === null) return null;
    try {
      const parsed = storedCredentialSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async write(accountId: string, stored: StoredCredential): Promise<void> {
    await this.#link.client.set(
      this.#link.key("oauth", accountId),
      JSON.stringify(stored),
      "PX",
      this.#tokensTtlMs,
    );
    await this.#link.publish(this.#channel, accountId);
  }

  async lock(accountId: string): Promise<TokenLock | null> {
    const link = this.#link;
    const name = `oauth:${accountId}`;
    const ttlMs = this.#lockTtlMs;
    const token = await tryLock(link, name, ttlMs);
    if (token === null) return null;
    // A refresh may outlast the lock's TTL (slow token endpoint): the holder keeps it while it lives.
    const renewal = setInterval(() => {
      renewLock(link, name, token, ttlMs).catch(() => {});
    }, Math.max(1, Math.floor(ttlMs / 3)));
    return {
      async release() {
        clearInterval(renewal);
        await unlock(link, name, token);
      },
    };
  }

  onUp(listener: () => void): void {
    this.#link.onUp(listener);
  }

  watch(listener: (accountId: string) => void): void {
    this.#link.subscribe(this.#channel, listener).catch(() => {
      // Not subscribed (the store is away at start): waiting instances still poll the shared tokens.
    });
  }
}
