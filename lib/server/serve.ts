/**
 * Starting the proxy: wire the loaded configuration into the app and serve it behind the connection
 * guard (`listener.ts`: connection cap, header and idle timeouts, accept errors survived).
 */
import type { ProxyConfig } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { join } from "node:path";
import { systemClock } from "../rotator/clock.ts";
import { PoolPersistence } from "../rotator/persistence.ts";
import { Rotator } from "../rotator/rotator.ts";
import { JsonFileStore } from "../store/state_store.ts";
import type { FetchFunction } from "../rotator/upstream_call.ts";
import { resolveProviders } from "../../providers/mod.ts";
import { createApp } from "./app.ts";
import { listen } from "./listener.ts";
import { setPieceCounter } from "../formats/token_count.ts";
import { TokenWorker } from "../formats/token_worker.ts";
import { fittedMaxConnections } from "./open_files.ts";
import { ModelCatalog } from "./model_catalog.ts";
import { OutputLimits } from "./output_limits.ts";

/** Options of {@link startServer}. */
export interface StartServerOptions {
  logger: Logger;
  /** @default globalThis.fetch */
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
  const { logger, fetch = globalThis.fetch, onListen } = options;
  logger.addSecrets([config.proxyApiKey]);
  const providers = resolveProviders(config.providers, logger);
  logger.addSecrets(
    providers.flatMap((provider) => provider.credentials.map((credential) => credential.secret)),
  );
  const catalog = new ModelCatalog(providers, {
    fetch,
    logger,
    ttlMs: config.modelsCacheTtlMs,
    settings: config.rotation,
  });
  const rotator = new Rotator(providers, {
    settings: config.rotation,
    globalTimeoutMs: config.globalTimeoutMs,
    prices: config.prices,
    logger,
    // Pool changes happen only once requests flow, after `persistence` below exists.
    onChange: (providerId) => persistence.markDirty(providerId),
  });
  const persistence = new PoolPersistence(rotator.pools, {
    store: new JsonFileStore(join(config.dataDir, "usage"), logger),
    clock: systemClock,
    logger,
  });
  await persistence.load();
  const app = createApp({
    config,
    providers,
    rotator,
    logger,
    fetch,
    catalog,
    outputLimits: new OutputLimits(),
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
      await server.shutdown();
      tokenWorker.close();
      setPieceCounter(null);
      await persistence.flush();
    },
    finished: server.finished,
    flush: () => persistence.flush(),
  };
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
