/**
 * The connection to Redis (or Valkey) that several proxy instances share. One command connection and
 * one subscriber connection; when Redis goes away every caller learns it at once (commands fail fast,
 * no offline queue), the proxy keeps serving on local state with one warning, and ioredis reconnects
 * with backoff. Listeners of {@link RedisLink.onUp} reconcile when it returns.
 * https://github.com/redis/ioredis#auto-reconnect
 */
import { Redis } from "ioredis";
import type { Logger } from "../../log/logger.ts";

/** Options of {@link RedisLink.connect}. */
export interface RedisLinkOptions {
  /** `redis://[user:password@]host:port/db` (or `rediss://` for TLS). */
  url: string;
  /** Every key starts with `<prefix>:`. @default "proxy" */
  prefix?: string;
  logger?: Logger;
  /** How long the first connection may take. @default 5000 */
  connectTimeoutMs?: number;
  /** Longest wait between two reconnection attempts. @default 5000 */
  maxReconnectDelayMs?: number;
  /**
   * When Redis does not answer at start, return a link that is down (and keeps reconnecting) instead of
   * throwing: `STATE_STORE_FALLBACK=local`. @default false
   */
  allowDown?: boolean;
}

/** Raised when Redis cannot be reached at start. */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

/** The shared connection: a command client, a subscriber, and whether Redis is up now. */
export class RedisLink {
  readonly client: Redis;
  readonly prefix: string;
  readonly #subscriber: Redis;
  readonly #logger: Logger | undefined;
  readonly #upListeners = new Set<() => void>();
  readonly #channelListeners = new Map<string, Set<(message: string) => void>>();
  #up = true;
  #closed = false;

  private constructor(
    client: Redis,
    subscriber: Redis,
    prefix: string,
    logger: Logger | undefined,
    up: boolean,
  ) {
    this.#up = up;
    this.client = client;
    this.#subscriber = subscriber;
    this.prefix = prefix;
    this.#logger = logger;
    // Up again only once both connections are: a change published before the subscriber is back would be
    // missed, one published after reaches it, and the keys hold everything before (reconcilers read them).
    client.on("ready", () => this.#markUp());
    subscriber.on("ready", () => this.#markUp());
    client.on("close", () => this.#markDown());
    // ioredis reports every failed reconnection as an error event; the one warning is in #markDown.
    client.on("error", () => {});
    subscriber.on("error", () => {});
    subscriber.on("message", (channel: string, message: string) => {
      for (const listener of this.#channelListeners.get(channel) ?? []) {
        try {
          listener(message);
        } catch (error) {
          this.#logger?.warn(`redis: a listener of ${channel} failed: ${(error as Error).message}`);
        }
      }
    });
  }

  /** Connect, or throw {@link RedisUnavailableError} when Redis does not answer in time. */
  static async connect(options: RedisLinkOptions): Promise<RedisLink> {
    const {
      url,
      prefix = "proxy",
      logger,
      connectTimeoutMs = 5000,
      maxReconnectDelayMs = 5000,
      allowDown = false,
    } = options;
    const settings = {
      lazyConnect: true,
      // Fail fast while Redis is away: the caller falls back to local state instead of waiting.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: connectTimeoutMs,
      retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 10), maxReconnectDelayMs),
    };
    const client = new Redis(url, settings);
    const subscriber = new Redis(url, { ...settings, enableOfflineQueue: true, maxRetriesPerRequest: null });
    // Until the link exists, failures are reported by connect() itself, not as unhandled error events.
    const quiet = () => {};
    client.on("error", quiet);
    subscriber.on("error", quiet);
    try {
      await Promise.all([client.connect(), subscriber.connect()]);
    } catch (error) {
      const problem = `cannot reach the state store at ${redactUrl(url)}: ${(error as Error).message}`;
      if (!allowDown) {
        client.disconnect();
        subscriber.disconnect();
        throw new RedisUnavailableError(problem);
      }
      // ioredis keeps reconnecting on its own; the link reconciles when the first connection is made.
      logger?.warn(`redis: ${problem}; serving on local state until it answers (STATE_STORE_FALLBACK=local)`);
      return new RedisLink(client, subscriber, prefix, logger, false);
    }
    return new RedisLink(client, subscriber, prefix, logger, true);
  }

  /** Whether commands can be sent now. */
  get up(): boolean {
    return this.#up && this.client.status === "ready";
  }

  /** A key under the prefix: `key("lease", "openai", "abc")` → `proxy:lease:openai:abc`. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(":");
  }

  /** Call `listener` every time Redis comes back after being away. */
  onUp(listener: () => void): () => void {
    this.#upListeners.add(listener);
    return () => this.#upListeners.delete(listener);
  }

  /** Receive the messages published on `channel` (a full key, see {@link RedisLink.key}). */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    let listeners = this.#channelListeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#channelListeners.set(channel, listeners);
      await this.#subscriber.subscribe(channel);
    }
    listeners.add(listener);
  }

  /** Publish, ignoring a Redis that is away (subscribers catch up from the keys themselves). */
  async publish(channel: string, message: string): Promise<void> {
    if (!this.up) return;
    await this.client.publish(channel, message).catch(() => {});
  }

  /** Close both connections. */
  async close(): Promise<void> {
    this.#closed = true;
    // A polite QUIT where the connection is up (never waiting long for it); a Redis that is away gets
    // none, since ioredis would wait for a connection that may never come.
    const quit = (connection: Redis) =>
      connection.status === "ready" ? connection.quit().catch(() => {}) : Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([quit(this.client), quit(this.#subscriber)]),
      new Promise((resolve) => timer = setTimeout(resolve, 1000)),
    ]);
    clearTimeout(timer);
    this.client.disconnect();
    this.#subscriber.disconnect();
  }

  #markDown(): void {
    if (!this.#up || this.#closed) return;
    this.#up = false;
    this.#logger?.warn("redis: the state store is unreachable; serving on local state until it returns");
  }

  #markUp(): void {
    if (this.#up || this.client.status !== "ready" || this.#subscriber.status !== "ready") return;
    this.#up = true;
    this.#logger?.info("redis: the state store is back; reconciling local state");
    for (const listener of this.#upListeners) {
      try {
        listener();
      } catch (error) {
        this.#logger?.warn(`redis: reconciling failed: ${(error as Error).message}`);
      }
    }
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an invalid URL)";
  }
}
