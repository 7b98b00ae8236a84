/**
 * The server's Worker: it receives the configuration (it cannot read the environment), starts the
 * server inside the permissions the main thread computed, and stops when told. Included in compiled
 * binaries (`deno compile --include`).
 */
/// <reference lib="deno.worker" />
import process from "node:process";
import type { RunningServer } from "../serve.ts";
import type { ReloadResult } from "../provider_reload.ts";
import type { FromWorker, ToWorker } from "./messages.ts";
import type { PoolSnapshot } from "../../rotator/pool_snapshot.ts";
import { type UsageDelta, usageSince, withUsage } from "./usage_handover.ts";

// The Worker may not read the environment, yet some npm packages read `process.env` as they load (the
// `debug` package under ioredis lists every variable). They get an empty environment of their own,
// before any of them is imported (the server's modules are imported dynamically below).
(process as { env: Record<string, string | undefined> }).env = {};

let server: RunningServer | null = null;
/** Writes the log lines still buffered (the Worker ends without an unload event). */
let flushLog = () => {};
/** The pools as saved when a new Worker took over (absent until then). */
let handedOver: Map<string, PoolSnapshot> | null = null;
/** Reloads asked of the main thread, by id, waiting for its `reloaded`. */
const reloads = new Map<number, { resolve(result: ReloadResult): void; reject(error: Error): void }>();
let lastReloadId = 0;

/** `POST /v1/admin/reload`: the main thread re-reads the configuration (this Worker cannot). */
function requestReload(): Promise<ReloadResult> {
  const id = ++lastReloadId;
  return new Promise((resolve, reject) => {
    reloads.set(id, { resolve, reject });
    send({ type: "reload-requested", id });
  });
}

function send(message: FromWorker): void {
  self.postMessage(message);
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === "start") {
      const { config, innerPort, reusePort } = message;
      const [{ startServer }, { consoleSink, createLogger, flushConsole }] = await Promise.all([
        import("../serve.ts"),
        import("../../log/logger.ts"),
      ]);
      flushLog = flushConsole;
      server = await startServer(config, {
        logger: createLogger(config.logLevel, consoleSink, { format: config.observability.logFormat }),
        onListen: (url) => send({ type: "listening", url }),
        innerPort,
        reusePort,
        reload: requestReload,
      });
    } else if (message.type === "shutdown") {
      if (server) await server.shutdown(message.graceMs);
      flushLog();
      send({ type: "stopped", ...(server && handedOver ? { usage: countedSince(server, handedOver) } : {}) });
    } else if (message.type === "probe") {
      send({ type: "probed", ...await probe(message) });
    } else if (message.type === "reconfigure") {
      if (!server) throw new Error("the server has not started");
      send({ type: "reconfigured", result: await server.reconfigure(message.config) });
    } else if (message.type === "hand-over") {
      if (!server) throw new Error("the server has not started");
      await server.flush();
      handedOver = new Map([...server.pools()].map(([id, pool]) => [id, pool.snapshot()]));
      send({ type: "handed-over" });
    } else if (message.type === "merge-usage") {
      if (server) mergeUsage(server, message.usage);
    } else if (message.type === "reloaded") {
      settleReload(message);
    }
  } catch (error) {
    const { name, message: text } = error instanceof Error ? error : new Error(String(error));
    flushLog();
    send({ type: "failed", name, message: text });
  }
};

/** What the pools counted since they were handed over. */
function countedSince(running: RunningServer, baseline: Map<string, PoolSnapshot>): UsageDelta[] {
  return [...running.pools()].flatMap(([id, pool]) => usageSince(baseline.get(id), pool.snapshot()) ?? []);
}

/** Add the counts of a Worker that drained after handing over; they are saved with the next write. */
function mergeUsage(running: RunningServer, usage: readonly UsageDelta[]): void {
  for (const delta of usage) {
    const pool = running.pools().get(delta.provider);
    if (!pool) continue;
    pool.restore(withUsage(pool.snapshot(), delta));
    running.markDirty(delta.provider);
  }
}

/** Settle the reload the main thread answered; a configuration problem keeps its name. */
function settleReload(message: Extract<ToWorker, { type: "reloaded" }>): void {
  const waiting = reloads.get(message.id);
  reloads.delete(message.id);
  if (!waiting) return;
  if (message.result) waiting.resolve(message.result);
  else {
    const { name = "Error", message: text = "reload failed" } = message.error ?? {};
    waiting.reject(Object.assign(new Error(text), { name }));
  }
}

/** What the sandbox lets through: "ok" or the error's name (`NotCapable` when it is refused). */
async function probe(request: { url?: string; path?: string }): Promise<{ fetch?: string; read?: string }> {
  const result: { fetch?: string; read?: string } = {};
  if (request.url !== undefined) {
    try {
      const response = await fetch(request.url);
      await response.body?.cancel();
      result.fetch = "ok";
    } catch (error) {
      result.fetch = (error as Error).name;
    }
  }
  if (request.path !== undefined) {
    try {
      await Deno.readFile(request.path);
      result.read = "ok";
    } catch (error) {
      result.read = (error as Error).name;
    }
  }
  return result;
}
