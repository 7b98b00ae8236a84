/** `serve`: load the configuration and run the proxy until SIGINT/SIGTERM. */
import { type ConfigOverrides, loadConfig } from "../lib/config/mod.ts";
import { consoleSink, createLogger } from "../lib/log/logger.ts";
import { startServer } from "../lib/server/serve.ts";
import { resolveProviders } from "../providers/mod.ts";
import { say } from "./output.ts";

/** Run the server with command-line overrides; resolves when it has shut down. */
export async function serveCommand(overrides: ConfigOverrides): Promise<void> {
  const { config, generatedKeyPath } = await loadConfig(overrides);
  const logger = createLogger(config.logLevel, consoleSink, { format: config.observability.logFormat });
  if (generatedKeyPath !== null) {
    say(`Generated a new PROXY_API_KEY and saved it to ${generatedKeyPath} (mode 0600):`);
    say(`  ${config.proxyApiKey}`);
    say(
      "Clients send it as `Authorization: Bearer <key>` or `x-api-key: <key>`. It is shown only this once.",
    );
  }
  const providerIds = resolveProviders(config.providers).map((provider) => provider.id);
  const server = await startServer(config, {
    logger,
    onListen: (url) => {
      say(`Proxy listening on ${url}`);
      say(
        providerIds.length > 0
          ? `Providers: ${providerIds.join(", ")}`
          : `No providers configured yet: add e.g. OPENAI_API_KEY=... to ${config.dataDir}/.env`,
      );
    },
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down: finishing requests in flight and saving usage");
    server.shutdown().catch((error) => logger.error(`shutdown failed: ${(error as Error).message}`));
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  await server.finished;
  await server.flush();
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
}
