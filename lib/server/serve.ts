/** Starting the proxy: wire the loaded configuration into the app and serve it with `Deno.serve`. */
import type { ProxyConfig } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { join } from "node:path";
import { systemClock } from "../rotator/clock.ts";
import { PoolPersistence } from "../rotator/persistence.ts";
import { Rotator } from "../rotator/rotator.ts";
import { JsonFileStore } from "../store/state_store.ts";
import type { FetchFunction } from "../rotator/upstream_call.ts";
import { resolveProviders } from "../../providers/mod.ts";
import { upstreamFetch } from "../http/mod.ts";
import { createApp } from "./app.ts";
import { ModelCatalog } from "./model_catalog.ts";
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
  const upstream = upstreamFetch(options.fetch ? "fetch" : config.upstreamHttpClient);
  const fetch = options.fetch ?? upstream.fetch;
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

  let url = "";
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: (address) => {
      const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
      url = `http://${host}:${address.port}`;
      onListen?.(url);
    },
    onError: (error) => {
      logger.error(`unhandled server error: ${error instanceof Error ? error.stack : String(error)}`);
      return new Response(JSON.stringify({ error: { message: "internal error", type: "api_error" } }), {
        status: 500,
        headers: { "content-type": "application/json" },
      });
    },
  }, app.fetch);
  return {
    url,
    async shutdown() {
      await server.shutdown();
      upstream.close();
      await persistence.flush();
    },
    finished: server.finished,
    flush: () => persistence.flush(),
  };
}
