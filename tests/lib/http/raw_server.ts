/**
 * A raw HTTP/1.1 server on 127.0.0.1 for the client's conformance tests: it parses requests itself and
 * answers with the bytes a test scripts, so that tests can send what a well-behaved server would not
 * (odd chunk boundaries, ambiguous lengths, early closes).
 */

/** A request as the raw server read it. */
export interface RawRequest {
  /** Which accepted connection carried it (0, 1, …). */
  connection: number;
  /** The head as text, up to the blank line. */
  head: string;
  body: Uint8Array;
}

/**
 * Answers one request by writing to `conn`; returns `"close"` to close the connection after it, anything
 * else (`"keep"`) to read the next request from it.
 */
export type RawScript = (request: RawRequest, conn: Deno.Conn) => Promise<string> | string;

/** A running raw server. */
export interface RawServer {
  origin: string;
  requests: RawRequest[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Write text or bytes whole. */
export async function send(conn: Deno.Conn, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Start a raw server answering with `script`. */
export function startRawServer(script: RawScript): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: RawRequest[] = [];
  const open = new Set<Deno.Conn>();
  const serving: Promise<void>[] = [];
  let connections = 0;
  const serve = async (conn: Deno.Conn, index: number) => {
    let buffered: Uint8Array = new Uint8Array(0);
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        let end = findHeadEnd(buffered);
        while (end < 0) {
          const count = await conn.read(buffer);
          if (count === null) return;
          buffered = join(buffered, buffer.subarray(0, count));
          end = findHeadEnd(buffered);
        }
        const head = decoder.decode(buffered.subarray(0, end));
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        while (buffered.length < end + 4 + length) {
          const count = await conn.read(buffer);
          if (count === null) return;
          buffered = join(buffered, buffer.subarray(0, count));
        }
        const request = { connection: index, head, body: buffered.slice(end + 4, end + 4 + length) };
        buffered = buffered.slice(end + 4 + length);
        requests.push(request);
        if (await script(request, conn) === "close") return;
      }
    } catch {
      // The client went away mid-answer: nothing to do.
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch { /* closed already */ }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      open.add(conn);
      serving.push(serve(conn, connections++));
    }
  })().catch(() => {});
  const { port } = listener.addr as Deno.NetAddr;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    async close() {
      listener.close();
      for (const conn of open) {
        try {
          conn.close();
        } catch { /* closed already */ }
      }
      await accepting;
      // Scripts that never answer (on purpose) are not waited for; their sockets are closed.
      await Promise.race([Promise.all(serving), new Promise((resolve) => setTimeout(resolve, 0))]);
    },
  };
}

function findHeadEnd(bytes: Uint8Array): number {
  for (let index = 0; index + 3 < bytes.length; index++) {
    if (
      bytes[index] === 13 && bytes[index + 1] === 10 && bytes[index + 2] === 13 && bytes[index + 3] === 10
    ) {
      return index;
    }
  }
  return -1;
}

function join(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first);
  joined.set(second, first.length);
  return joined;
}
