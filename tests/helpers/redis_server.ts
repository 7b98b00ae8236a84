/**
 * A real `redis-server` on a free 127.0.0.1 port with a temporary directory, for tests of the shared
 * state. `.ci/run` installs redis-server when it is missing; tests fail loudly without it.
 */
import { createServer } from "node:net";

/** A running redis-server. */
export interface RedisServer {
  port: number;
  url: string;
  /** Stop it (SIGKILL when it does not exit promptly). */
  stop(): Promise<void>;
  /** Start it again on the same port (after {@link RedisServer.stop}). */
  restart(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Start redis-server on a free port; resolves once it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = await Deno.makeTempDir({ prefix: "redis-test-" });
  let child: Deno.ChildProcess | null = null;
  const launch = async () => {
    child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    await waitForPing(port);
  };
  await launch();
  const stop = async () => {
    const running = child;
    child = null;
    if (!running) return;
    try {
      running.kill("SIGKILL");
    } catch { /* already gone */ }
    await running.status;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop: async () => {
      await stop();
    },
    restart: launch,
  };
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      await connection.write(new TextEncoder().encode("PING\r\n"));
      const buffer = new Uint8Array(16);
      const read = await connection.read(buffer);
      connection.close();
      if (read && new TextDecoder().decode(buffer.subarray(0, read)).startsWith("+PONG")) return;
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
}
