// deno-lint-ignore-file no-console
/**
 * A tiny server behind the proxy's listener (`lib/server/listener.ts`), for tests that run it under a
 * lowered open-files limit: `deno run guarded_server.ts <maxConnections>` prints `listening <port>`.
 */
import { createLogger } from "../../lib/log/logger.ts";
import { listen } from "../../lib/server/listener.ts";

const maxConnections = Number(Deno.args[0] ?? "100000");
const server = listen(() => new Response("ok"), {
  hostname: "127.0.0.1",
  port: 0,
  logger: createLogger("warn"),
  maxConnections,
  headersTimeoutMs: 30_000,
  keepAliveTimeoutMs: 30_000,
});
console.log(`listening ${server.address.port}`);
Deno.addSignalListener("SIGTERM", () => server.shutdown());
await server.finished;
