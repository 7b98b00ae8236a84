/**
 * The listener in front of the HTTP server. `Deno.serve` (Deno 2.9) has no header-read timeout, no
 * keep-alive idle timeout and no connection cap, and it ends the process when `accept` fails with
 * EMFILE (measured with raw sockets). So the proxy accepts connections itself: it counts them, closes
 * new ones at once past `maxConnections`, survives accept errors (log, back off, keep accepting), closes
 * connections that take too long to send their headers or stay idle, and relays each connection's bytes
 * to a `Deno.serve` bound to 127.0.0.1 that only answers connections this listener opened.
 */
import type { Logger } from "../log/logger.ts";
import { isDescriptorExhaustion } from "./open_files.ts";
import { endOf } from "./stream_end.ts";
import {
  type ConnectionState,
  connectionVerdict,
  newConnection,
  requestStarted,
  responseEnded,
  sawClientBytes,
  sawServerBytes,
} from "./connection_state.ts";

/** Options of {@link listen}. */
export interface ListenOptions {
  hostname: string;
  port: number;
  logger: Logger;
  /** Open client connections past which new ones get a 503 and are closed. */
  maxConnections: number;
  /**
   * Called once, when `fitCapAt` connections are open: the cap that the open-files limit allows (see
   * `open_files.ts`), measured only then because measuring costs descriptors and time.
   * @default the cap stays `maxConnections`
   */
  fitCap?: (open: number) => number;
  /** @default 64 */
  fitCapAt?: number;
  /** Time a client has to send a request's headers, from its first byte or from connecting. */
  headersTimeoutMs: number;
  /** Time an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Called once the socket listens. */
  onListen?: (address: Deno.NetAddr) => void;
  /**
   * The 127.0.0.1 port of the inner HTTP server: a sandboxed server is allowed exactly this one.
   * @default 0 (any free port)
   */
  innerPort?: number;
  /** Renders a handler's uncaught error. */
  onError?: (error: unknown) => Response | Promise<Response>;
  /**
   * Share the port with the next server (SO_REUSEPORT, Linux, `--unstable-net`): a sandboxed server hands
   * its port to a new Worker on reload without refusing a connection. @default false
   */
  reusePort?: boolean;
  /** @default Date.now */
  now?: () => number;
}

/** A listening server. */
export interface Listening {
  address: Deno.NetAddr;
  /** Client connections open now. */
  openConnections(): number;
  /** Stop accepting, let requests in flight finish, then close every connection. */
  shutdown(): Promise<void>;
  finished: Promise<void>;
}

/** The HTTP handler served behind the listener. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

const BUFFER_BYTES = 64 * 1024;
const REFUSED = new TextEncoder().encode(
  "HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 26\r\n\r\ntoo many open connections\n",
);
const TIMED_OUT = new TextEncoder().encode(
  "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
);
/** Pause after an accept error, doubling up to the maximum (Go's net/http does the same). */
const ACCEPT_BACKOFF_MIN_MS = 5;
const ACCEPT_BACKOFF_MAX_MS = 1_000;
/** At most one warning of a kind per interval, so a flood cannot flood the log. */
const WARNING_INTERVAL_MS = 10_000;

/** How long answers already finished may take to reach their clients once the server stops. */
const RELAY_DRAIN_MS = 2_000;

interface Connection {
  state: ConnectionState;
  client: Deno.Conn;
  inner: Deno.Conn | null;
  closed: boolean;
  /** The relay of the HTTP server's bytes to the client, while one runs. */
  copying?: Promise<void>;
}

/** Listen on `hostname:port` and serve `handler` behind the connection guard. */
export function listen(handler: FetchHandler, options: ListenOptions): Listening {
  const { logger, now = Date.now, fitCap, fitCapAt = 64 } = options;
  let maxConnections = options.maxConnections;
  let capFitted = fitCap === undefined;
  const limits = {
    headersTimeoutMs: options.headersTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
  };
  const connections = new Set<Connection>();
  /** Our side's port of each relayed connection to the inner server → its client connection. */
  const byInnerPort = new Map<number, Connection>();
  const warnings = new Map<string, { lastMs: number; suppressed: number }>();
  const warn = (kind: string, message: string) => {
    const entry = warnings.get(kind) ?? { lastMs: -Infinity, suppressed: 0 };
    warnings.set(kind, entry);
    const at = now();
    if (at - entry.lastMs < WARNING_INTERVAL_MS) {
      entry.suppressed++;
      return;
    }
    const more = entry.suppressed > 0 ? ` (${entry.suppressed} more since the last warning)` : "";
    logger.warn(`${message}${more}`);
    entry.lastMs = at;
    entry.suppressed = 0;
  };

  const serveInner = () =>
    Deno.serve({
      hostname: "127.0.0.1",
      port: options.innerPort ?? 0,
      onListen: () => {},
      onError: options.onError,
    }, (request, info) => {
      const connection = byInnerPort.get(info.remoteAddr.port);
      // Only connections relayed by this listener are served: nothing bypasses its limits.
      if (connection === undefined) return new Response("forbidden\n", { status: 403 });
      return serveTracked(handler, request, connection.state, now);
    });
  let stopping = false;
  let inner = serveInner();
  /** The current inner server has stopped and no new one runs yet (nothing to shut down). */
  let innerStopped = false;
  /**
   * `Deno.serve` stops for good when its own accept fails (EMFILE); its `finished` rejects. A new one
   * takes over after a pause, so the relays find a server again once descriptors are free.
   */
  const innerLifetime = async () => {
    let backoffMs = 0;
    for (;;) {
      try {
        await inner.finished;
        return;
      } catch (error) {
        innerStopped = true;
        if (stopping) return;
        backoffMs = Math.min(ACCEPT_BACKOFF_MAX_MS, Math.max(ACCEPT_BACKOFF_MIN_MS * 20, backoffMs * 2));
        warn(
          "inner",
          `the HTTP server stopped (${(error as Error).message}); restarting it in ${backoffMs}ms`,
        );
      }
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        if (stopping) return;
        try {
          inner = serveInner();
          innerStopped = false;
          break;
        } catch (error) {
          backoffMs = Math.min(ACCEPT_BACKOFF_MAX_MS, backoffMs * 2);
          warn("inner", `restarting the HTTP server failed (${(error as Error).message}); retrying`);
        }
      }
    }
  };
  const innerDone = innerLifetime();

  const close = (connection: Connection) => {
    if (connection.closed) return;
    connection.closed = true;
    connections.delete(connection);
    if (connection.inner) {
      byInnerPort.delete((connection.inner.localAddr as Deno.NetAddr).port);
      closeQuietly(connection.inner);
    }
    closeQuietly(connection.client);
  };

  const relay = async (connection: Connection) => {
    const buffer = new Uint8Array(BUFFER_BYTES);
    try {
      for (;;) {
        const read = await connection.client.read(buffer);
        if (read === null || connection.closed) break;
        sawClientBytes(connection.state, now());
        if (connection.inner === null) {
          // Connected on the first bytes: an idle client holds one descriptor, not three.
          const conn = await Deno.connect({ hostname: "127.0.0.1", port: inner.addr.port });
          if (connection.closed) {
            closeQuietly(conn);
            break;
          }
          conn.setNoDelay(true);
          connection.inner = conn;
          byInnerPort.set((conn.localAddr as Deno.NetAddr).port, connection);
          connection.copying = copyToClient(connection, conn, now).finally(() => close(connection));
        }
        await writeAll(connection.inner, buffer.subarray(0, read));
      }
      // The client closed its side: as hyper does by default, the connection ends and a request in
      // flight is cancelled (its upstream call aborted), the same as a disconnect.
    } catch (error) {
      if (!connection.closed && isDescriptorExhaustion(error)) {
        warn("connect", `cannot reach the HTTP server (${(error as Error).message}); closing a client`);
      }
    } finally {
      close(connection);
    }
  };

  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
    ...(options.reusePort ? { reusePort: true } : {}),
  });
  const address = listener.addr;
  options.onListen?.(address);

  const acceptLoop = (async () => {
    let backoffMs = 0;
    for (;;) {
      let client: Deno.TcpConn;
      try {
        client = await listener.accept();
        backoffMs = 0;
      } catch (error) {
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) return;
        // EMFILE and the like: the socket stays in the kernel's queue; keep serving the open ones.
        backoffMs = Math.min(ACCEPT_BACKOFF_MAX_MS, Math.max(ACCEPT_BACKOFF_MIN_MS, backoffMs * 2));
        warn(
          "accept",
          `accepting a connection failed (${(error as Error).message}); retrying in ${backoffMs}ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        continue;
      }
      if (!capFitted && connections.size >= Math.min(fitCapAt, maxConnections)) {
        capFitted = true;
        const fitted = fitCap!(connections.size);
        if (fitted < maxConnections) {
          logger.warn(
            `MAX_CONNECTIONS=${maxConnections} lowered to ${fitted}: the open-files limit allows no more ` +
              "(raise it with `ulimit -n` or LimitNOFILE= for more connections)",
          );
          maxConnections = fitted;
          // Connections that have sent nothing yet go first, newest first, down to the cap.
          for (const connection of [...connections].reverse()) {
            if (connections.size <= maxConnections) break;
            if (connection.inner === null && connection.state.inFlight === 0) close(connection);
          }
        }
      }
      if (connections.size >= maxConnections) {
        warn("cap", `refused a connection: ${connections.size} are open (MAX_CONNECTIONS=${maxConnections})`);
        // A fresh socket's send buffer is empty: the write cannot block on a client that never reads.
        // Awaited, so a flood of refusals holds one descriptor at a time.
        await client.write(REFUSED).catch(() => {});
        closeQuietly(client);
        continue;
      }
      client.setNoDelay(true);
      const connection: Connection = { state: newConnection(now()), client, inner: null, closed: false };
      connections.add(connection);
      relay(connection);
    }
  })();

  const sweepEveryMs = Math.min(
    1_000,
    Math.max(50, Math.min(limits.headersTimeoutMs, limits.keepAliveTimeoutMs) / 4),
  );
  const sweeper = setInterval(() => {
    const at = now();
    for (const connection of connections) {
      const verdict = connectionVerdict(connection.state, at, limits);
      if (verdict === "keep") continue;
      if (verdict === "headers_timeout") {
        connection.client.write(TIMED_OUT).catch(() => {}).finally(() => close(connection));
      } else close(connection);
    }
  }, sweepEveryMs);
  Deno.unrefTimer(sweeper);

  let shutdownPromise: Promise<void> | null = null;
  const finished = (async () => {
    await acceptLoop;
    await innerDone;
    clearInterval(sweeper);
    // The last bytes of answers the inner server finished may still be on their way to the clients: each
    // relay ends once the inner server closed its side. A relay stuck on a client that reads nothing is
    // cut after a moment.
    const relays = [...connections].flatMap((connection) => connection.copying ? [connection.copying] : []);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(relays),
      new Promise((resolve) => timer = setTimeout(resolve, RELAY_DRAIN_MS)),
    ]);
    clearTimeout(timer);
    for (const connection of connections) close(connection);
  })();
  return {
    address,
    openConnections: () => connections.size,
    shutdown() {
      shutdownPromise ??= (async () => {
        stopping = true;
        closeQuietly(listener);
        // Idle connections go now; the inner server waits for responses in flight.
        for (const connection of connections) if (connection.state.inFlight === 0) close(connection);
        // A stopped server's shutdown would wait for relays that nothing answers any more.
        if (!innerStopped) await inner.shutdown();
        await finished;
      })();
      return shutdownPromise;
    },
    finished,
  };
}

/** Serve one request, marking when its response ends (for the idle timeout). */
async function serveTracked(
  handler: FetchHandler,
  request: Request,
  state: ConnectionState,
  now: () => number,
): Promise<Response> {
  requestStarted(state, now());
  let response: Response;
  try {
    response = await handler(request);
  } catch (error) {
    responseEnded(state, now());
    throw error;
  }
  // Only a stream's end is watched (SSE can be silent for minutes); other bodies are ready to send.
  // The headers are read first: reading `body` turns a string body into a stream, which cost Deno.serve
  // its fast path for static bodies (a third of the throughput, measured).
  if (!isEventStream(response.headers) || response.body === null) {
    responseEnded(state, now());
    return response;
  }
  let ended = false;
  const end = () => {
    if (!ended) responseEnded(state, now());
    ended = true;
  };
  // The proxy's relayed streams say when they end: no wrapping, no cost per chunk.
  const reported = endOf(response.body);
  if (reported !== undefined) {
    reported.then(end);
    return response;
  }
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({ flush: end, cancel: end }),
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function isEventStream(headers: Headers): boolean {
  return headers.get("content-type")?.startsWith("text/event-stream") ?? false;
}

async function copyToClient(connection: Connection, inner: Deno.Conn, now: () => number): Promise<void> {
  const buffer = new Uint8Array(BUFFER_BYTES);
  try {
    for (;;) {
      const read = await inner.read(buffer);
      if (read === null || connection.closed) return;
      await writeAll(connection.client, buffer.subarray(0, read));
      sawServerBytes(connection.state, now());
    }
  } catch {
    // The client went away or the connection was closed by a timeout: nothing to do but close.
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

function closeQuietly(closable: { close(): void }): void {
  try {
    closable.close();
  } catch {
    // Already closed.
  }
}
