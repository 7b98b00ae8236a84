/**
 * The server's Worker: it receives the configuration (it cannot read the environment), starts the
 * server inside the permissions the main thread computed, and stops when told. Included in compiled
 * binaries (`deno compile --include`).
 */
/// <reference lib="deno.worker" />
import { createLogger } from "../../log/logger.ts";
import { type RunningServer, startServer } from "../serve.ts";
import type { FromWorker, ToWorker } from "./messages.ts";

let server: RunningServer | null = null;

function send(message: FromWorker): void {
  self.postMessage(message);
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === "start") {
      const { config } = message;
      server = await startServer(config, {
        logger: createLogger(config.logLevel),
        onListen: (url) => send({ type: "listening", url }),
      });
    } else if (message.type === "shutdown") {
      if (server) await server.shutdown(message.graceMs);
      send({ type: "stopped" });
    } else if (message.type === "probe") {
      send({ type: "probed", ...await probe(message) });
    }
  } catch (error) {
    const { name, message: text } = error instanceof Error ? error : new Error(String(error));
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
