/**
 * Running the server in a Worker with narrow permissions: the main thread keeps the broad ones only to
 * load the configuration, computes the Worker's permissions from it, starts the Worker, relays signals
 * and waits for it to save its state. Needs `--unstable-worker-options` (the tasks and compile flags
 * pass it).
 */
import type { ProxyConfig } from "../../config/schema.ts";
import type { FromWorker, ToWorker } from "./messages.ts";
import type { SandboxPermissions } from "./permissions.ts";

/** A server running in its Worker. */
export interface SandboxedServer {
  url: string;
  /** Stop: streams get `graceMs` to finish, then the state is saved and the Worker ends. */
  shutdown(graceMs: number): Promise<void>;
  /** Ask the Worker to try a fetch and a read (tests): "ok" or the error's name. */
  probe(request: { url?: string; path?: string }): Promise<{ fetch?: string; read?: string }>;
  /** End the Worker at once (a second signal). */
  terminate(): void;
}

/** Start the server in a Worker limited to `permissions`; resolves once it listens. */
export async function startSandboxedServer(
  config: ProxyConfig,
  options: { permissions: SandboxPermissions; onListen?: (url: string) => void },
): Promise<SandboxedServer> {
  const worker = new Worker(new URL("./worker_entry.ts", import.meta.url), {
    type: "module",
    name: "proxy-server",
    // deno-lint-ignore no-explicit-any -- `deno.permissions` is an unstable option the DOM typings lack.
    deno: { permissions: options.permissions } as any,
  });
  const waiters = new Set<(message: FromWorker) => boolean>();
  let failure: Error | null = null;
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    for (const waiter of [...waiters]) if (waiter(event.data)) waiters.delete(waiter);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    failure = new Error(event.message);
    for (const waiter of [...waiters]) {
      if (waiter({ type: "failed", name: "Error", message: event.message })) waiters.delete(waiter);
    }
  };
  const next = <T extends FromWorker["type"]>(type: T): Promise<Extract<FromWorker, { type: T }>> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiters.add((message) => {
        if (message.type === "failed") {
          reject(Object.assign(new Error(message.message), { name: message.name }));
          return true;
        }
        if (message.type !== type) return false;
        resolve(message as Extract<FromWorker, { type: T }>);
        return true;
      });
    });
  const post = (message: ToWorker) => worker.postMessage(message);

  const listening = next("listening");
  post({ type: "start", config });
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
      await stopped;
      worker.terminate();
    },
    async probe(request) {
      const probed = next("probed");
      post({ type: "probe", ...request });
      const { fetch, read } = await probed;
      return { fetch, read };
    },
    terminate: () => worker.terminate(),
  };
}
