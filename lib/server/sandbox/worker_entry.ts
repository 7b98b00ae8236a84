/**
 * The server's Worker: it receives the configuration (it cannot read the environment), starts the
 * server inside the permissions the main thread computed, and stops when told. Included in compiled
 * binaries (`deno compile --include`).
 */
/// <reference lib="deno.worker" />
import process from "node:process";
import type { RunningServer } from "../serve.ts";
import type { FromWorker, ToWorker } from "./messages.ts";

// The Worker may not read the environment, yet some npm packages read `process.env` as they load (the
// `debug` package under ioredis lists every variable). They get an empty environment of their own,
// before any of them is imported (the server's modules are imported dynamically below).
(process as { env: Record<string, string | undefined> }).env = {};

let server: RunningServer | null = null;
/** Writes the log lines still buffered (the Worker ends without an unload event). */
let flushLog = () => {};

function send(message: FromWorker): void {
  self.postMessage(message);
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === "start") {
      const { config, innerPort } = message;
      const [{ startServer }, { consoleSink, createLogger, flushConsole }] = await Promise.all([
        import("../serve.ts"),
        import("../../log/logger.ts"),
      ]);
      flushLog = flushConsole;
      server = await startServer(config, {
        logger: createLogger(config.logLevel, consoleSink, { format: config.observability.logFormat }),
        onListen: (url) => send({ type: "listening", url }),
        innerPort,
      });
    } else if (message.type === "shutdown") {
      if (server) await server.shutdown(message.graceMs);
      flushLog();
      send({ type: "stopped" });
    } else if (message.type === "probe") {
      send({ type: "probed", ...await probe(message) });
    }
  } catch (error) {
    const { name, message: text } = error instanceof Error ? error : new Error(String(error));
    flushLog();
    send({ type: "failed", name, message: text });
  }
};

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
