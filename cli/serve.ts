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
import { reusePortAvailable } from "../lib/server/sandbox/host.ts";
import { sandboxNeeds } from "../lib/server/sandbox/needs.ts";
import { sandboxPermissions } from "../lib/server/sandbox/permissions.ts";
import { changedSettings } from "../lib/server/sandbox/reload_plan.ts";
import { superviseSandbox } from "../lib/server/sandbox/supervisor.ts";
import { type RunningServer, startServer } from "../lib/server/serve.ts";
import type { ReloadResult } from "../lib/server/provider_reload.ts";
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
  /** Re-read the configuration and apply it (`SIGHUP`, `POST /v1/admin/reload`). */
  reload(): Promise<ReloadResult>;
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
  // A reload re-reads `.env` here, with the same command line and environment as the start.
  const reloadConfig = async () => (await loadConfig(overrides, { env, ensureApiKey: false })).config;
  const serving = sandbox === "on"
    ? await serveSandboxed(config, { logger, onListen, reloadConfig })
    : await serveInProcess(config, { logger, onListen, reloadConfig });
  await untilStopped(serving, { graceMs: config.shutdownGraceMs, logger });
}

/** The server in its Worker, with the permissions its configuration needs and nothing more. */
async function serveSandboxed(
  config: ProxyConfig,
  options: { logger: Logger; onListen: (url: string) => void; reloadConfig: () => Promise<ProxyConfig> },
): Promise<Serving> {
  const { logger } = options;
  // Vendor CLI folders (~/.codex, ~/.gemini, ~/.qwen) are read here, once, so the server itself never
  // needs to read outside its data directory.
  if (config.oauth.home !== null) {
    await importOnFirstStart({ dataDir: config.dataDir, home: config.oauth.home, logger }).catch((error) =>
      logger.warn(`importing vendor CLI credentials failed: ${(error as Error).message}`)
    );
  }
  // The Worker never imports from the CLI home folders: that happened above, on this thread.
  const forWorker = (loaded: ProxyConfig): ProxyConfig => ({
    ...loaded,
    oauth: { ...loaded.oauth, home: null },
  });
  const server = await superviseSandbox(forWorker(config), {
    loadConfig: async () => forWorker(await options.reloadConfig()),
    permissionsOf: (loaded) => sandboxPermissions(sandboxNeeds(loaded, resolveProviders(loaded.providers))),
    logger,
    onListen: options.onListen,
    reusePort: reusePortAvailable(),
  });
  return {
    shutdown: (graceMs) => server.shutdown(graceMs),
    reload: () => server.reload(),
    died: server.died,
  };
}

/** `--sandbox=off`: the server in this process, with the process's permissions. */
async function serveInProcess(
  config: ProxyConfig,
  options: { logger: Logger; onListen: (url: string) => void; reloadConfig: () => Promise<ProxyConfig> },
): Promise<Serving> {
  const { logger, onListen } = options;
  logger.warn(
    "SANDBOX OFF: the server runs with this process's own permissions (every host, every file it may " +
      "reach); use it for debugging only",
  );
  let server: RunningServer | null = null;
  // Without a Worker there is nothing to restart: providers apply in place, other settings at the next start.
  const reload = async (): Promise<ReloadResult> => {
    const next = await options.reloadConfig();
    const result = await server!.reconfigure(next);
    return { ...result, pending: changedSettings(config, next) };
  };
  server = await startServer(config, { logger, onListen, reload });
  const running = server;
  const died = running.finished.then(() => new Promise<never>(() => {}));
  return { shutdown: (graceMs) => running.shutdown(graceMs), reload, died };
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
  const onHangUp = () => void reloadAndReport(serving, logger);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGHUP", onHangUp);
  try {
    await Promise.race([stopping, serving.died]);
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGHUP", onHangUp);
  }
}

/** `SIGHUP`: re-read the configuration and say what changed (a broken `.env` leaves the server as it was). */
async function reloadAndReport(serving: Serving, logger: Logger): Promise<void> {
  try {
    const { providers, added, removed, restarted, pending } = await serving.reload();
    const parts = [
      ...(providers.added.length > 0 ? [`providers added: ${providers.added.join(", ")}`] : []),
      ...(providers.removed.length > 0 ? [`providers removed: ${providers.removed.join(", ")}`] : []),
      ...(providers.changed.length > 0 ? [`providers changed: ${providers.changed.join(", ")}`] : []),
      ...(added.length > 0 ? [`accounts added: ${added.join(", ")}`] : []),
      ...(removed.length > 0 ? [`accounts removed: ${removed.join(", ")}`] : []),
      ...(pending.length > 0 ? [`take effect at the next start: ${pending.join(", ")}`] : []),
    ];
    logger.info(
      `reloaded the configuration${restarted ? " (new server Worker)" : ""}: ${
        parts.join("; ") || "no change"
      }`,
    );
  } catch (error) {
    logger.error(`reload failed, the server keeps its configuration: ${(error as Error).message}`);
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
