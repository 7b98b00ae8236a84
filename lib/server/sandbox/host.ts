/**
 * Running the server in a Worker with narrow permissions: the main thread keeps the broad ones only to
 * load the configuration, computes the Worker's permissions from it, starts the Worker, relays signals
 * and waits for it to save its state. Needs `--unstable-worker-options` (the tasks and compile flags
 * pass it).
 */
import type { ProxyConfig } from "../../config/schema.ts";
import { ConfigError } from "../../errors.ts";
import type { ReloadResult } from "../provider_reload.ts";
import type { FromWorker, ToWorker } from "./messages.ts";
import type { UsageDelta } from "./usage_handover.ts";
import type { SandboxPermissions } from "./permissions.ts";
import { fileURLToPath } from "node:url";

/** The token counter's Worker module, which the sandboxed server starts. */
const TOKEN_WORKER_MODULE = fileURLToPath(new URL("../../formats/token_worker_main.ts", import.meta.url));

/** A server running in its Worker. */
export interface SandboxedServer {
  url: string;
  /**
   * Stop: streams get `graceMs` to finish, then the state is saved and the Worker ends. After
   * {@link handOver}, resolves with what was counted since.
   */
  shutdown(graceMs: number): Promise<UsageDelta[]>;
  /** Ask the Worker to try a fetch and a read (tests): "ok" or the error's name. */
  probe(request: { url?: string; path?: string }): Promise<{ fetch?: string; read?: string }>;
  /** End the Worker at once (a second signal). */
  terminate(): void;
  /** Apply a re-read configuration that fits this Worker's permissions (a reload in place). */
  reconfigure(config: ProxyConfig): Promise<ReloadResult>;
  /** Save the pools' state for a new Worker to load, and remember it (see {@link shutdown}). */
  handOver(): Promise<void>;
  /** Add what a Worker handed over counted while draining. */
  mergeUsage(usage: UsageDelta[]): void;
  /** Rejects if the Worker dies on its own (an error nothing caught); never resolves otherwise. */
  died: Promise<never>;
}

/** Start the server in a Worker limited to `permissions`; resolves once it listens. */
export async function startSandboxedServer(
  config: ProxyConfig,
  options: {
    permissions: SandboxPermissions;
    onListen?: (url: string) => void;
    /** Bind with SO_REUSEPORT, so that a reload can hand the port to a new Worker. @default false */
    reusePort?: boolean;
    /** Answers the Worker's `POST /v1/admin/reload` (the configuration is re-read on this thread). */
    onReloadRequest?: () => Promise<ReloadResult>;
  },
): Promise<SandboxedServer> {
  // The connection guard relays to an HTTP server on 127.0.0.1: the Worker gets exactly that one port.
  const innerPort = config.connectionGuard ? freeLoopbackPort() : undefined;
  const granted = innerPort === undefined
    ? options.permissions
    : { ...options.permissions, net: [...options.permissions.net, `127.0.0.1:${innerPort}`] };
  // The server starts its own Worker for token counts; starting one reads that module's file.
  const permissions = { ...granted, read: [...granted.read, TOKEN_WORKER_MODULE] };
  const worker = new Worker(new URL("./worker_entry.ts", import.meta.url), {
    type: "module",
    name: "proxy-server",
    // deno-lint-ignore no-explicit-any -- `deno.permissions` is an unstable option the DOM typings lack.
    deno: { permissions } as any,
  });
  const waiters = new Set<(message: FromWorker) => boolean>();
  let failure: Error | null = null;
  let die: (error: Error) => void = () => {};
  const died = new Promise<never>((_resolve, reject) => die = reject);
  died.catch(() => {});
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    if (event.data.type === "reload-requested") {
      return answerReload(event.data.id, { post: (message) => worker.postMessage(message), ...options });
    }
    for (const waiter of [...waiters]) if (waiter(event.data)) waiters.delete(waiter);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    failure = new Error(event.message);
    die(failure);
    for (const waiter of [...waiters]) {
      if (waiter({ type: "failed", name: "Error", message: event.message })) waiters.delete(waiter);
    }
  };
  const next = <T extends FromWorker["type"]>(type: T): Promise<Extract<FromWorker, { type: T }>> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiters.add((message) => {
        if (message.type === "failed") {
          reject(rebuiltError(message));
          return true;
        }
        if (message.type !== type) return false;
        resolve(message as Extract<FromWorker, { type: T }>);
        return true;
      });
    });
  const post = (message: ToWorker) => worker.postMessage(message);

  const listening = next("listening");
  post({ type: "start", config, innerPort, reusePort: options.reusePort ?? false });
  let url: string;
  try {
    ({ url } = await listening);
  } catch (error) {
    worker.terminate();
    throw error;
  }
  options.onListen?.(url);
  return {
    url,
    async shutdown(graceMs) {
      const stopped = next("stopped");
      post({ type: "shutdown", graceMs });
      const { usage = [] } = await stopped;
      worker.terminate();
      return usage;
    },
    async probe(request) {
      const probed = next("probed");
      post({ type: "probe", ...request });
      const { fetch, read } = await probed;
      return { fetch, read };
    },
    terminate: () => worker.terminate(),
    async reconfigure(reloaded) {
      const reconfigured = next("reconfigured");
      post({ type: "reconfigure", config: reloaded });
      return (await reconfigured).result;
    },
    async handOver() {
      const handedOver = next("handed-over");
      post({ type: "hand-over" });
      await handedOver;
    },
    mergeUsage: (usage) => post({ type: "merge-usage", usage }),
    died,
  };
}

/** Run the reload the Worker asked for and post its outcome back under the same id. */
function answerReload(
  id: number,
  options: { post: (message: ToWorker) => void; onReloadRequest?: () => Promise<ReloadResult> },
): void {
  const { post, onReloadRequest } = options;
  const reloading = onReloadRequest?.() ?? Promise.reject(new Error("this server cannot reload"));
  reloading.then(
    (result) => post({ type: "reloaded", id, result }),
    (error) => {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      post({ type: "reloaded", id, error: { name, message } });
    },
  );
}

/**
 * Whether this platform lets two Workers share a port (SO_REUSEPORT: Linux, with `--unstable-net` or
 * `"unstable": ["net"]`), so that a reload can start the new Worker before the old one stops accepting.
 */
export function reusePortAvailable(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    Deno.listen({ hostname: "127.0.0.1", port: 0, reusePort: true }).close();
    return true;
  } catch {
    return false;
  }
}

/** A 127.0.0.1 port free right now (the system's choice, released at once for the Worker to take). */
function freeLoopbackPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * An error the Worker reported, rebuilt on this side: a configuration problem stays a {@link ConfigError}
 * (the command line answers it with one line and exit code 2), anything else keeps its name.
 */
function rebuiltError(message: { name: string; message: string }): Error {
  const colon = message.message.indexOf(": ");
  if (message.name === "ConfigError" && colon > 0) {
    return new ConfigError(message.message.slice(0, colon), message.message.slice(colon + 2));
  }
  return Object.assign(new Error(message.message), { name: message.name });
}
