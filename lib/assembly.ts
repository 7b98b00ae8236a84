/**
 * Assembling the proxy's core from a {@link ProxyConfig}: providers, rotator, event stream, upstream
 * client, persistence, model catalog and the Hono app, everything but the socket. The server serves
 * `app.fetch` on a port; the library (`mod.ts`) drives the same app in-process, so both run one rotator,
 * one set of providers and one set of formats.
 */
import type { ProxyConfig } from "./config/schema.ts";
import type { Logger } from "./log/logger.ts";
import { type Clock, systemClock } from "./rotator/clock.ts";
import { EventHub } from "./rotator/events.ts";
import { PoolPersistence } from "./rotator/persistence.ts";
import { Rotator } from "./rotator/rotator.ts";
import type { FetchFunction } from "./rotator/upstream_call.ts";
import { UpstreamClient } from "./rotator/upstream_client.ts";
import type { StateStore } from "./store/state_store.ts";
import type { SharedPool } from "./rotator/shared_pool.ts";
import type { SharedUsageReader } from "./rotator/stats.ts";
import type { ResponseStore } from "./store/response_store.ts";
import type { OAuthRuntime } from "./server/oauth_runtime.ts";
import type { Observability } from "./server/observability.ts";
import type { KeyPool } from "./rotator/key_pool.ts";
import { type ConfiguredProvider, resolveProviders } from "../providers/mod.ts";
import { createApp } from "./server/app.ts";
import { ModelCatalog } from "./server/model_catalog.ts";
import { OutputLimits } from "./server/output_limits.ts";
import { applyProviderSettings, type ProviderChanges, type ReloadResult } from "./server/provider_reload.ts";
import type { ProviderSetting } from "./config/schema.ts";

/**
 * The shared state a `STATE_STORE=redis://…` server opened (`openSharedState`), as the assembly uses it;
 * named by shape so the library's graph never loads the Redis client.
 */
export interface SharedStateParts {
  link: { onUp(listener: () => void): unknown };
  pool: SharedPool & { usage: SharedUsageReader };
  close(): Promise<void>;
}

/** Options of {@link assembleProxy}. */
export interface AssembleProxyOptions {
  logger: Logger;
  /** Where pools' usage and cooldowns persist; absent: memory only. */
  store?: StateStore;
  /**
   * The client upstreams are called with. The server passes the one `UPSTREAM_HTTP_CLIENT` names
   * (`lib/http`, closed by the server); the library passes `fetch`, which runs in Node too.
   * @default globalThis.fetch
   */
  fetch?: FetchFunction;
  /** @default systemClock */
  clock?: Clock;
  /**
   * Shared state on Redis (`STATE_STORE=redis://…`), opened by the caller (`openSharedState`), so that
   * programs without Redis do not load its client. The core closes it.
   */
  sharedState?: SharedStateParts | null;
  /**
   * Where Responses API answers are kept for `previous_response_id` (the server's `RedisResponseStore` when
   * instances share Redis). @default in memory, for `RESPONSES_STORE_TTL`
   */
  responseStore?: ResponseStore;
  /**
   * OAuth accounts (`startOAuth(config, { logger, fetch })`, started by the caller before the core): their
   * credentials join the pools, the upstream client authorizes with them, and the pools follow logins and
   * removals. The core closes it. @default API keys only
   */
  oauth?: OAuthRuntime | null;
  /**
   * Request logs, metrics and prices, started on the core's events and pools (the server passes
   * `(events, pools) => startObservability(config, { logger, events, pools })`). Upstream calls go through
   * its `wrapFetch`, costs by its price book; the core flushes it on close. @default none
   */
  observe?: (events: EventHub, pools: () => ReadonlyMap<string, KeyPool>) => Observability;
  /**
   * What `POST /v1/admin/reload` runs: the server re-reads the configuration (through the sandbox's host
   * when sandboxed). @default a rescan of the OAuth accounts, when there are any
   */
  reload?: () => Promise<ReloadResult>;
}

/** The proxy without its socket. */
export interface ProxyCore {
  providers: readonly ConfiguredProvider[];
  rotator: Rotator;
  events: EventHub;
  upstream: UpstreamClient;
  /** Present when a store was given. */
  persistence: PoolPersistence | null;
  /** Present when `observe` was given. */
  observability: Observability | null;
  catalog: ModelCatalog;
  /** The Hono app: `app.fetch(request)` answers like the server would. */
  app: ReturnType<typeof createApp>;
  /** Save the pools' state and the queued logs now. */
  flush(): Promise<void>;
  /** Apply re-read provider settings (keys, base URLs, models) to the running core. */
  reconfigure(settings: readonly ProviderSetting[]): ProviderChanges;
  /** Stop following OAuth accounts, save the pools' state, stop listening for changes, close the shared state. */
  close(): Promise<void>;
}

/**
 * Build the core from `config`: secrets registered with the logger, saved pool state loaded from the
 * store, cooldowns written to it at once and usage debounced.
 *
 * @example
 * ```ts
 * const core = await assembleProxy(config, { logger, store: new JsonFileStore(join(config.dataDir, "usage")) });
 * Deno.serve({ hostname: config.host, port: config.port }, core.app.fetch);
 * ```
 */
export async function assembleProxy(config: ProxyConfig, options: AssembleProxyOptions): Promise<ProxyCore> {
  const {
    logger,
    store,
    fetch: baseFetch = globalThis.fetch,
    clock = systemClock,
    sharedState = null,
    responseStore,
    oauth = null,
    observe,
    reload,
  } = options;
  logger.addSecrets([config.proxyApiKey]);
  const providers = resolveProviders(config.providers, {
    logger,
    ...(oauth ? { oauthCredentials: oauth.credentialsOf } : {}),
  });
  logger.addSecrets(
    providers.flatMap((provider) =>
      provider.credentials.flatMap((credential) => credential.kind === "api_key" ? [credential.secret] : [])
    ),
  );
  const events = new EventHub({
    onObserverError: (error) => logger.warn(`an event observer failed: ${(error as Error).message}`),
  });
  // The pools exist once the rotator does; observability reads them only later.
  const pools = (): ReadonlyMap<string, KeyPool> => rotator.pools;
  const observability: Observability | null = observe?.(events, pools) ?? null;
  const fetch = observability ? observability.wrapFetch(baseFetch) : baseFetch;
  let persistence: PoolPersistence | null = null;
  const rotator = new Rotator(providers, {
    shared: sharedState?.pool,
    settings: config.rotation,
    globalTimeoutMs: config.globalTimeoutMs,
    prices: config.prices,
    ...(observability ? { costOf: observability.costOf } : {}),
    clock,
    logger,
    events,
    // Usage changes on every call: written debounced. Pool changes happen only once requests flow, after
    // `persistence` below exists.
    onChange: (providerId) => persistence?.markDirty(providerId),
  });
  if (store) {
    // Cooldowns and disabled keys are written at once (on the events), usage debounced.
    persistence = new PoolPersistence(rotator.pools, { store, clock, logger, events });
    await persistence.load();
  }
  await oauth?.follow(providers, rotator);
  // When the store returns: the rests this instance took while it was away reach the others, and the
  // rests the others took reach this one.
  sharedState?.link.onUp(() => {
    for (const pool of rotator.pools.values()) {
      pool.publishRests();
      pool.pullRests();
    }
  });
  const upstream = new UpstreamClient({
    rotator,
    fetch,
    clock,
    ...(oauth ? { authorize: oauth.authorize } : {}),
    timeouts: {
      connectMs: config.connectTimeoutMs,
      streamingReadMs: config.streamingReadTimeoutMs,
      nonStreamingReadMs: config.nonStreamingReadTimeoutMs,
    },
  });
  const now = () => clock.now();
  const catalog = new ModelCatalog(providers, {
    upstream,
    logger,
    ttlMs: config.modelsCacheTtlMs,
    settings: config.rotation,
    now,
  });
  const app = createApp({
    config,
    providers,
    rotator,
    upstream,
    events,
    logger,
    catalog,
    outputLimits: new OutputLimits(),
    sharedUsage: sharedState?.pool.usage,
    ...(observability ? { observability } : {}),
    ...(responseStore ? { responseStore } : {}),
    ...(oauth ? { reloadCredentials: () => oauth.reload() } : {}),
    ...(reload ? { reload } : {}),
    now,
  });
  const flush = () => Promise.all([persistence?.flush(), observability?.flush()]).then(() => {});
  return {
    providers,
    rotator,
    events,
    upstream,
    persistence,
    observability,
    catalog,
    app,
    flush,
    reconfigure: (settings) =>
      applyProviderSettings(providers, settings, {
        rotator,
        logger,
        ...(oauth ? { oauthCredentials: oauth.credentialsOf } : {}),
      }),
    async close() {
      oauth?.close();
      // Events still queued (a cooldown that was just decided) reach persistence before the last write.
      events.flush();
      await flush();
      persistence?.close();
      await sharedState?.close();
    },
  };
}
