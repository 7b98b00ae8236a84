/**
 * Starting the proxy: wire the loaded configuration into the app and serve it behind the connection
 * guard (`listener.ts`: connection cap, header and idle timeouts, accept errors survived).
 */
import type { ProxyConfig } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { join } from "node:path";
import { JsonFileStore } from "../store/state_store.ts";
import type { FetchFunction } from "../rotator/upstream_call.ts";
import { upstreamFetch } from "../http/mod.ts";
import { assembleProxy } from "../assembly.ts";
import { startOAuth } from "./oauth_runtime.ts";
import { openSharedState, RedisResponseStore, RedisSharedTokens } from "../store/redis/mod.ts";
import { listen } from "./listener.ts";
import { setPieceCounter } from "../formats/token_count.ts";
import { TokenWorker } from "../formats/token_worker.ts";
import { descriptorBudget, fittedMaxConnections } from "./open_files.ts";
import { type Observability, startObservability } from "./observability.ts";
import type { ReloadResult } from "./provider_reload.ts";
import type { KeyPool } from "../rotator/key_pool.ts";

/** Options of {@link startServer}. */
export interface StartServerOptions {
  logger: Logger;
  /** @default the client `config.upstreamHttpClient` names */
  fetch?: FetchFunction;
  /** Called once the socket listens, with the URL clients should use. */
  onListen?: (url: string) => void;
  /** The 127.0.0.1 port of the connection guard's inner server (a sandbox allows exactly it). @default any */
  innerPort?: number;
  /**
   * Bind the client-facing ports with SO_REUSEPORT, so that a new server can take them over while this one
   * drains (a sandboxed reload; Linux with `--unstable-net`). @default false
   */
  reusePort?: boolean;
  /** What `POST /v1/admin/reload` runs. @default a rescan of the OAuth accounts */
  reload?: () => Promise<ReloadResult>;
}

/** A running proxy. */
export interface RunningServer {
  url: string;
  /**
   * Stop accepting requests, let in-flight ones (streams included) finish for up to `graceMs`, then save
   * the pools' state. What is still open after the grace is left to end with the process.
   * @default graceMs Infinity
   */
  shutdown(graceMs?: number): Promise<void>;
  /** Save the pools' state now. */
  flush(): Promise<void>;
  /** Apply a re-read configuration's providers and rescan the OAuth accounts (a reload in place). */
  reconfigure(config: ProxyConfig): Promise<ReloadResult>;
  /** The credential pools by provider id (a reload hands their counts over). */
  pools(): ReadonlyMap<string, KeyPool>;
  /** Have a provider's pool written soon (after a change that told no one, like a restore). */
  markDirty(providerId: string): void;
  finished: Promise<void>;
}

/** Build the app from `config` and serve it. */
export async function startServer(config: ProxyConfig, options: StartServerOptions): Promise<RunningServer> {
  const { logger, onListen } = options;
  // An injected `fetch` (tests) wins over the client the configuration names.
  const http = upstreamFetch(options.fetch ? "fetch" : config.upstreamHttpClient);
  const baseFetch = options.fetch ?? http.fetch;
  // Token endpoints are not logged: they carry the OAuth secrets themselves.
  const sharedState = config.stateStore.kind === "redis"
    ? await openSharedState(config.stateStore, logger)
    : null;
  const oauth = await startOAuth(config, {
    logger,
    fetch: baseFetch,
    ...(sharedState ? { sharedTokens: new RedisSharedTokens(sharedState.link) } : {}),
  });
  const core = await assembleProxy(config, {
    logger,
    fetch: baseFetch,
    oauth,
    sharedState,
    store: new JsonFileStore(join(config.dataDir, "usage"), logger),
    ...(sharedState
      ? { responseStore: new RedisResponseStore(sharedState.link, { ttlMs: config.responsesStoreTtlMs }) }
      : {}),
    observe: (events, pools) => startObservability(config, { logger, events, pools }),
    ...(options.reload ? { reload: options.reload } : {}),
  });
  const { app } = core;
  const observability = core.observability!;
  const metricsServer = config.observability.metricsPort === null ? null : serveMetrics(observability, {
    hostname: config.host,
    port: config.observability.metricsPort,
    logger,
    reusePort: options.reusePort ?? false,
  });

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
      // Descriptors are counted by opening the data directory: a permission the server has, sandboxed or not.
      fitCap: (open) =>
        fittedMaxConnections(
          config.maxConnections,
          open,
          (wanted) => descriptorBudget(wanted, { open: () => Deno.openSync(config.dataDir) }),
        ),
      innerPort: options.innerPort,
      reusePort: options.reusePort ?? false,
      headersTimeoutMs: config.headersTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      onError,
    })
    : serveUnguarded(app.fetch, {
      hostname: config.host,
      port: config.port,
      onError,
      ...(options.reusePort ? { reusePort: true } : {}),
    });
  const host = server.address.hostname.includes(":")
    ? `[${server.address.hostname}]`
    : server.address.hostname;
  const url = `http://${host}:${server.address.port}`;
  onListen?.(url);
  return {
    url,
    async shutdown(graceMs = Infinity) {
      const drained = Promise.all([server.shutdown(), metricsServer?.shutdown()]);
      if (Number.isFinite(graceMs)) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const graceOver = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), graceMs));
        const cut = await Promise.race([drained.then(() => false), graceOver]);
        clearTimeout(timer);
        if (cut) logger.warn(`shutdown: requests still open after ${graceMs / 1000} s are cut`);
      } else {
        await drained;
      }
      http.close();
      tokenWorker.close();
      setPieceCounter(null);
      await core.close();
    },
    finished: server.finished,
    flush: () => core.flush(),
    async reconfigure(next) {
      const providers = core.reconfigure(next.providers);
      const accounts = await oauth.reload();
      return { ...accounts, providers, restarted: false, pending: [] };
    },
    pools: () => core.rotator.pools,
    markDirty: (providerId) => core.persistence?.markDirty(providerId),
  };
}

/** `METRICS_PORT`: a second listener that serves only `GET /metrics`, without authentication. */
function serveMetrics(
  observability: Observability,
  options: { hostname: string; port: number; logger: Logger; reusePort: boolean },
): Deno.HttpServer {
  const { metrics } = observability;
  return Deno.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.reusePort ? { reusePort: true } : {}),
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
  options: { hostname: string; port: number; onError: (error: unknown) => Response; reusePort?: boolean },
): { address: Deno.NetAddr; shutdown(): Promise<void>; finished: Promise<void> } {
  const server = Deno.serve({ ...options, onListen: () => {} }, handler);
  return { address: server.addr, shutdown: () => server.shutdown(), finished: server.finished };
}
