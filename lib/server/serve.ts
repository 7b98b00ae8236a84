/**
 * Starting the proxy: wire the loaded configuration into the app and serve it behind the connection
 * guard (`listener.ts`: connection cap, header and idle timeouts, accept errors survived).
 */
import type { ProxyConfig } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { join } from "node:path";
import { systemClock } from "../rotator/clock.ts";
import { EventHub } from "../rotator/events.ts";
import { PoolPersistence } from "../rotator/persistence.ts";
import { Rotator } from "../rotator/rotator.ts";
import { UpstreamClient } from "../rotator/upstream_client.ts";
import { JsonFileStore } from "../store/state_store.ts";
import type { FetchFunction } from "../rotator/upstream_call.ts";
import { resolveProviders } from "../../providers/mod.ts";
import { upstreamFetch } from "../http/mod.ts";
import { createApp } from "./app.ts";
import { startOAuth } from "./oauth_runtime.ts";
import { openSharedState, RedisResponseStore } from "../store/redis/mod.ts";
import { listen } from "./listener.ts";
import { setPieceCounter } from "../formats/token_count.ts";
import { TokenWorker } from "../formats/token_worker.ts";
import { fittedMaxConnections } from "./open_files.ts";
import { ModelCatalog } from "./model_catalog.ts";
import { type Observability, startObservability } from "./observability.ts";
import { OutputLimits } from "./output_limits.ts";

/** Options of {@link startServer}. */
export interface StartServerOptions {
  logger: Logger;
  /** @default the client `config.upstreamHttpClient` names */
  fetch?: FetchFunction;
  /** Called once the socket listens, with the URL clients should use. */
  onListen?: (url: string) => void;
}

/** A running proxy. */
export interface RunningServer {
  url: string;
  /** Stop accepting requests, let in-flight ones finish, then save the pools' state. */
  shutdown(): Promise<void>;
  /** Save the pools' state now. */
  flush(): Promise<void>;
  finished: Promise<void>;
}

/** Build the app from `config` and serve it. */
export async function startServer(config: ProxyConfig, options: StartServerOptions): Promise<RunningServer> {
  const { logger, onListen } = options;
  // An injected `fetch` (tests) wins over the client the configuration names.
  const http = upstreamFetch(options.fetch ? "fetch" : config.upstreamHttpClient);
  const baseFetch = options.fetch ?? http.fetch;
  logger.addSecrets([config.proxyApiKey]);
  // Token endpoints are not logged: they carry the OAuth secrets themselves.
  const oauth = await startOAuth(config, { logger, fetch: baseFetch });
  const providers = resolveProviders(config.providers, { logger, oauthCredentials: oauth.credentialsOf });
  logger.addSecrets(
    providers.flatMap((provider) =>
      provider.credentials.flatMap((credential) => credential.kind === "api_key" ? [credential.secret] : [])
    ),
  );
  const events = new EventHub({
    onObserverError: (error) => logger.warn(`an event observer failed: ${(error as Error).message}`),
  });
  const observability = startObservability(config, { logger, events, pools: () => rotator.pools });
  const fetch = observability.wrapFetch(baseFetch);
  const sharedState = config.stateStore.kind === "redis"
    ? await openSharedState(config.stateStore, logger)
    : null;
  const rotator = new Rotator(providers, {
    shared: sharedState?.pool,
    settings: config.rotation,
    globalTimeoutMs: config.globalTimeoutMs,
    prices: config.prices,
    // The catalog's prices, with MODEL_PRICES over them (the catalog loads in the background).
    costOf: observability.costOf,
    logger,
    events,
    // Usage changes on every call: written debounced. Pool changes happen only once requests flow, after
    // `persistence` below exists.
    onChange: (providerId) => persistence.markDirty(providerId),
  });
  const persistence = new PoolPersistence(rotator.pools, {
    store: new JsonFileStore(join(config.dataDir, "usage"), logger),
    clock: systemClock,
    logger,
    // Cooldowns and disabled keys are written at once.
    events,
  });
  await persistence.load();
  await oauth.follow(providers, rotator);
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
    authorize: oauth.authorize,
    timeouts: {
      connectMs: config.connectTimeoutMs,
      streamingReadMs: config.streamingReadTimeoutMs,
      nonStreamingReadMs: config.nonStreamingReadTimeoutMs,
    },
  });
  const catalog = new ModelCatalog(providers, {
    upstream,
    logger,
    ttlMs: config.modelsCacheTtlMs,
    settings: config.rotation,
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
    observability,
    reloadCredentials: () => oauth.reload(),
    sharedUsage: sharedState?.pool.usage,
    ...(sharedState
      ? { responseStore: new RedisResponseStore(sharedState.link, { ttlMs: config.responsesStoreTtlMs }) }
      : {}),
  });
  const metricsServer = config.observability.metricsPort === null
    ? null
    : serveMetrics(observability, { hostname: config.host, port: config.observability.metricsPort, logger });

  // Token counts (count_tokens, usage estimates) run off the event loop.
  const tokenWorker = new TokenWorker();
  setPieceCounter(tokenWorker.count);
  const onError = (error: unknown) => {
    logger.error(`unhandled server error: ${error instanceof Error ? error.stack : String(error)}`);
    return new Response(JSON.stringify({ error: { message: "internal error", type: "api_error" } }), {
      status: 500,
      headers: { "content-type": "application/json" },
    });
  };
  const server = config.connectionGuard
    ? listen(app.fetch, {
      hostname: config.host,
      port: config.port,
      logger,
      maxConnections: config.maxConnections,
      fitCap: (open) => fittedMaxConnections(config.maxConnections, open),
      headersTimeoutMs: config.headersTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      onError,
    })
    : serveUnguarded(app.fetch, { hostname: config.host, port: config.port, onError });
  const host = server.address.hostname.includes(":")
    ? `[${server.address.hostname}]`
    : server.address.hostname;
  const url = `http://${host}:${server.address.port}`;
  onListen?.(url);
  return {
    url,
    async shutdown() {
      oauth.close();
      await Promise.all([server.shutdown(), metricsServer?.shutdown()]);
      http.close();
      tokenWorker.close();
      setPieceCounter(null);
      await Promise.all([persistence.flush(), observability.flush()]);
      await sharedState?.close();
    },
    finished: server.finished,
    flush: () => Promise.all([persistence.flush(), observability.flush()]).then(() => {}),
  };
}

/** `METRICS_PORT`: a second listener that serves only `GET /metrics`, without authentication. */
function serveMetrics(
  observability: Observability,
  options: { hostname: string; port: number; logger: Logger },
): Deno.HttpServer {
  const { metrics } = observability;
  return Deno.serve({
    hostname: options.hostname,
    port: options.port,
    onListen: (address) =>
      options.logger.info(`metrics on http://${address.hostname}:${address.port}/metrics`),
  }, async (request) => {
    const { pathname } = new URL(request.url);
    if (request.method !== "GET" || pathname !== "/metrics") {
      return new Response("not found\n", { status: 404 });
    }
    return new Response(await metrics.render(), { headers: { "content-type": metrics.contentType } });
  });
}

/**
 * `CONNECTION_GUARD=false`: plain `Deno.serve`, for a proxy behind a reverse proxy that already bounds
 * connections. Faster (no relay), but without header or idle timeouts, and an EMFILE on accept ends it.
 */
function serveUnguarded(
  handler: (request: Request) => Response | Promise<Response>,
  options: { hostname: string; port: number; onError: (error: unknown) => Response },
): { address: Deno.NetAddr; shutdown(): Promise<void>; finished: Promise<void> } {
  const server = Deno.serve({ ...options, onListen: () => {} }, handler);
  return { address: server.addr, shutdown: () => server.shutdown(), finished: server.finished };
}
