/**
 * `serve`: load the configuration and run the proxy until SIGINT/SIGTERM. The server runs in a Worker
 * whose permissions are computed from the configuration (`lib/server/sandbox`); this thread only loads
 * the configuration, imports vendor CLI credentials on first start, starts the Worker, relays signals
 * and waits for it to save its state. `--sandbox=off` runs it in this process (debugging).
 */
import { type ConfigOverrides, loadConfig, type ProxyConfig } from "../lib/config/mod.ts";
import { processEnvironment } from "../lib/config/variables.ts";
import { importOnFirstStart, readCredentialFiles, readEnvCredentials } from "../lib/credentials/mod.ts";
import { consoleSink, createLogger, type Logger } from "../lib/log/logger.ts";
import { startSandboxedServer } from "../lib/server/sandbox/host.ts";
import { sandboxNeeds } from "../lib/server/sandbox/needs.ts";
import { sandboxPermissions } from "../lib/server/sandbox/permissions.ts";
import { startServer } from "../lib/server/serve.ts";
import { resolveProviders } from "../providers/mod.ts";
import { UsageFailure } from "./failure.ts";
import { say } from "./output.ts";

/** Options of `serve`: the configuration overrides plus the logging switches. */
export interface ServeOptions extends ConfigOverrides {
  /** `--enable-request-logging`: sets `REQUEST_LOGGING=true` for this run. */
  enableRequestLogging?: boolean;
  /** `--enable-raw-logging`: sets `RAW_LOGGING=true` for this run. */
  enableRawLogging?: boolean;
  /** `--sandbox=off`: the server runs with this process's own permissions. @default "on" */
  sandbox?: string;
}

/** What `serve` waits on, sandboxed or not. */
interface Serving {
  /** Stop accepting, let requests finish for `graceMs`, save state. */
  shutdown(graceMs: number): Promise<void>;
  /** Rejects when the server dies on its own. */
  died: Promise<never>;
}

/** Run the server with command-line overrides; resolves when it has shut down. */
export async function serveCommand(options: ServeOptions): Promise<void> {
  const { enableRequestLogging, enableRawLogging, sandbox = "on", ...overrides } = options;
  if (sandbox !== "on" && sandbox !== "off") {
    throw new UsageFailure(`--sandbox takes on or off (got "${sandbox}")`);
  }
  // The switches travel as the variables `.env` would set, so the server reads them in one place.
  const env = processEnvironment();
  if (enableRequestLogging) env.REQUEST_LOGGING = "true";
  if (enableRawLogging) env.RAW_LOGGING = "true";
  const { config, generatedKeyPath } = await loadConfig(overrides, { env });
  const logger = createLogger(config.logLevel, consoleSink, { format: config.observability.logFormat });
  if (generatedKeyPath !== null) {
    say(`Generated a new PROXY_API_KEY and saved it to ${generatedKeyPath} (mode 0600):`);
    say(`  ${config.proxyApiKey}`);
    say(
      "Clients send it as `Authorization: Bearer <key>` or `x-api-key: <key>`. It is shown only this once.",
    );
  }
  const providerIds = await configuredProviderIds(config);
  const onListen = (url: string) => {
    say(`Proxy listening on ${url}`);
    say(
      providerIds.length > 0
        ? `Providers: ${providerIds.join(", ")}`
        : `No providers configured yet: add e.g. OPENAI_API_KEY=... to ${config.dataDir}/.env`,
    );
  };
  const serving = sandbox === "on"
    ? await serveSandboxed(config, { logger, onListen })
    : await serveInProcess(config, { logger, onListen });
  await untilStopped(serving, { graceMs: config.shutdownGraceMs, logger });
}

/** The server in its Worker, with the permissions its configuration needs and nothing more. */
async function serveSandboxed(
  config: ProxyConfig,
  options: { logger: Logger; onListen: (url: string) => void },
): Promise<Serving> {
  const { logger } = options;
  // Vendor CLI folders (~/.codex, ~/.gemini, ~/.qwen) are read here, once, so the server itself never
  // needs to read outside its data directory.
  if (config.oauth.home !== null) {
    await importOnFirstStart({ dataDir: config.dataDir, home: config.oauth.home, logger }).catch((error) =>
      logger.warn(`importing vendor CLI credentials failed: ${(error as Error).message}`)
    );
  }
  const permissions = sandboxPermissions(sandboxNeeds(config, resolveProviders(config.providers)));
  const server = await startSandboxedServer({ ...config, oauth: { ...config.oauth, home: null } }, {
    permissions,
    onListen: options.onListen,
  });
  return { shutdown: (graceMs) => server.shutdown(graceMs), died: server.died };
}

/** `--sandbox=off`: the server in this process, with the process's permissions. */
async function serveInProcess(
  config: ProxyConfig,
  options: { logger: Logger; onListen: (url: string) => void },
): Promise<Serving> {
  options.logger.warn(
    "SANDBOX OFF: the server runs with this process's own permissions (every host, every file it may " +
      "reach); use it for debugging only",
  );
  const server = await startServer(config, options);
  const died = server.finished.then(() => new Promise<never>(() => {}));
  return { shutdown: (graceMs) => server.shutdown(graceMs), died };
}

/**
 * Serve until SIGINT/SIGTERM: the first stops accepting and gives requests in flight `graceMs` to finish,
 * then the state is saved and this resolves; a second one exits at once.
 */
async function untilStopped(serving: Serving, options: { graceMs: number; logger: Logger }): Promise<void> {
  const { graceMs, logger } = options;
  let stopped: () => void = () => {};
  const stopping = new Promise<void>((resolve) => stopped = resolve);
  let signalled = false;
  const onSignal = () => {
    if (signalled) {
      logger.warn("stopping now: requests in flight are cut, unsaved usage is lost");
      Deno.exit(1);
    }
    signalled = true;
    logger.info(
      `shutting down: requests in flight get up to ${graceMs / 1000} s, then usage is saved ` +
        "(a second signal stops at once)",
    );
    serving.shutdown(graceMs).then(stopped, (error) => {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      stopped();
    });
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  try {
    await Promise.race([stopping, serving.died]);
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
}

/** The providers the server will serve: API-key providers and those with OAuth accounts. */
async function configuredProviderIds(config: ProxyConfig): Promise<string[]> {
  const ids = new Set(resolveProviders(config.providers).map((provider) => provider.id));
  const files = await readCredentialFiles(config.dataDir).catch(() => []);
  for (const file of files) ids.add(file.credential.provider);
  for (const found of readEnvCredentials(config.oauth.credentialVariables)) {
    ids.add(found.credential.provider);
  }
  return [...ids].sort();
}
