/**
 * The sandboxed server across reloads. A reload (`SIGHUP`, `POST /v1/admin/reload`) re-reads the
 * configuration on the main thread (the Worker may read neither the environment nor a file outside its
 * data directory) and recomputes the permissions it needs. When they are the same and only providers
 * changed (new keys, a base URL on a host already granted), the running Worker applies them: nothing
 * restarts. When they differ (a provider on a new host, or a host no longer needed: permissions are never
 * wider than the configuration needs) or another setting changed, a new Worker starts with exactly the new
 * permissions and takes the port over: the old one saves its state first, the new one loads it, then the
 * old one stops accepting and lets its requests in flight, streams included, finish within
 * `SHUTDOWN_GRACE_SECONDS`. On Linux both Workers share the port (SO_REUSEPORT) during the handover, so no
 * connection is refused; elsewhere the old one stops accepting just before the new one binds.
 */
import { isDeepStrictEqual } from "node:util";
import type { ProxyConfig } from "../../config/schema.ts";
import type { Logger } from "../../log/logger.ts";
import type { ReloadResult } from "../provider_reload.ts";
import { type SandboxedServer, startSandboxedServer } from "./host.ts";
import type { SandboxPermissions } from "./permissions.ts";
import { describeRestart, reloadPlan, type SandboxState } from "./reload_plan.ts";

/** Options of {@link superviseSandbox}. */
export interface SuperviseSandboxOptions {
  /** Re-read the configuration as the Worker gets it (the command line's overrides still apply). */
  loadConfig: () => Promise<ProxyConfig>;
  /** The permissions a configuration needs (`sandboxPermissions(sandboxNeeds(…))`). */
  permissionsOf: (config: ProxyConfig) => SandboxPermissions;
  logger: Logger;
  /** Called when the first Worker listens. */
  onListen?: (url: string) => void;
  /** Share the port between the old and the new Worker during a handover. @default false */
  reusePort?: boolean;
}

/** The sandboxed server, whichever Worker runs it now. */
export interface SandboxSupervisor {
  /** The URL clients use (the port stays the same across handovers unless the configuration moves it). */
  readonly url: string;
  /** Re-read the configuration and apply it, in place or by a handover. One reload at a time. */
  reload(): Promise<ReloadResult>;
  /** Stop the current Worker (and wait for Workers still draining after a handover). */
  shutdown(graceMs: number): Promise<void>;
  /** Ask the current Worker to try a fetch and a read (tests). */
  probe(request: { url?: string; path?: string }): Promise<{ fetch?: string; read?: string }>;
  /** End every Worker at once. */
  terminate(): void;
  /** Rejects if the current Worker dies on its own. */
  died: Promise<never>;
}

/** Start the server in its Worker and keep it there across reloads. */
export async function superviseSandbox(
  config: ProxyConfig,
  options: SuperviseSandboxOptions,
): Promise<SandboxSupervisor> {
  const { logger, permissionsOf, reusePort = false } = options;
  let state: SandboxState = { config, permissions: permissionsOf(config) };
  let die: (error: unknown) => void = () => {};
  const died = new Promise<never>((_resolve, reject) => die = reject);
  died.catch(() => {});
  /** Workers handed over and still draining. */
  const draining = new Set<{ server: SandboxedServer; stopped: Promise<void> }>();
  let stopping = false;
  let reloading: Promise<unknown> = Promise.resolve();

  const start = async (next: SandboxState, onListen?: (url: string) => void): Promise<SandboxedServer> => {
    const server = await startSandboxedServer(next.config, {
      permissions: next.permissions,
      reusePort,
      onReloadRequest: () => supervisor.reload(),
      ...(onListen ? { onListen } : {}),
    });
    server.died.catch((error) => {
      if (server === current) die(error);
    });
    return server;
  };
  let current = await start(state, options.onListen);

  /** Stop `server` in the background; the supervisor's shutdown waits for it. */
  const drain = (server: SandboxedServer, graceMs: number) => {
    const entry = {
      server,
      stopped: server.shutdown(graceMs).then(
        (usage) => {
          logger.info("reload: the previous server Worker finished its requests and stopped");
          // What it counted while draining joins the pools of the Worker serving now.
          if (usage.length > 0 && !stopping) current.mergeUsage(usage);
        },
        (error) =>
          logger.warn(`reload: the previous server Worker failed to stop: ${(error as Error).message}`),
      ),
    };
    draining.add(entry);
    entry.stopped.finally(() => draining.delete(entry));
  };

  /** A new Worker for `next`, on the port the current one listens on; the current one drains. */
  const handOver = async (next: SandboxState): Promise<void> => {
    const port = new URL(current.url).port;
    // A configuration that asked for any free port (0) keeps the port it got; one that moved the port
    // (`PROXY_PORT` changed) gets the new one.
    const samePlace = next.config.host === state.config.host && next.config.port === state.config.port;
    const pinned = samePlace && port !== "" ? { ...next.config, port: Number(port) } : next.config;
    // What the old Worker counted is saved before the new one loads it.
    await current.handOver();
    const previous = current;
    if (reusePort) {
      current = await start({ config: pinned, permissions: next.permissions });
      drain(previous, next.config.shutdownGraceMs);
      return;
    }
    // Without a shared port the old Worker stops accepting first; the new one retries while the port is
    // still being released.
    drain(previous, next.config.shutdownGraceMs);
    try {
      current = await retryWhileAddressInUse(() => start({ config: pinned, permissions: next.permissions }));
    } catch (error) {
      // The old Worker no longer accepts: the previous configuration comes back rather than nothing.
      logger.error(
        `reload: the new server Worker did not start (${
          (error as Error).message
        }); restarting the previous one`,
      );
      current = await retryWhileAddressInUse(() =>
        start({ ...state, config: { ...state.config, port: Number(port) || state.config.port } })
      );
      throw error;
    }
  };

  const reloadOnce = async (): Promise<ReloadResult> => {
    const config = await options.loadConfig();
    const next: SandboxState = { config, permissions: permissionsOf(config) };
    const plan = reloadPlan(state, next);
    if (plan.kind === "in_place") {
      const result = await current.reconfigure(config);
      state = next;
      return result;
    }
    logger.info(`reload: starting a new server Worker (${describeRestart(plan)})`);
    const before = state.config.providers;
    await handOver(next);
    state = next;
    logger.info(`reload: the new server Worker listens on ${current.url}`);
    const settingOf = (id: string) => before.find((setting) => setting.id === id);
    return {
      added: [],
      removed: [],
      providers: {
        added: config.providers.filter((setting) => !settingOf(setting.id)).map((setting) => setting.id),
        removed: before.filter((setting) => !config.providers.some((item) => item.id === setting.id))
          .map((setting) => setting.id),
        changed: config.providers.filter((setting) => {
          const previous = settingOf(setting.id);
          return previous !== undefined && !isDeepStrictEqual(previous, setting);
        }).map((setting) => setting.id),
      },
      restarted: true,
      pending: [],
    };
  };

  const supervisor: SandboxSupervisor = {
    get url() {
      return current.url;
    },
    reload() {
      const next = reloading.then(reloadOnce);
      reloading = next.catch(() => {});
      return next;
    },
    async shutdown(graceMs) {
      await reloading;
      stopping = true;
      await Promise.all([current.shutdown(graceMs), ...[...draining].map((entry) => entry.stopped)]);
    },
    probe: (request) => current.probe(request),
    terminate() {
      for (const entry of draining) entry.server.terminate();
      current.terminate();
    },
    died,
  };
  return supervisor;
}

/** Start again while the port is still held by the Worker that is letting it go (a few tries). */
async function retryWhileAddressInUse<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1;; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if ((error as Error).name !== "AddrInUse" || tries >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
