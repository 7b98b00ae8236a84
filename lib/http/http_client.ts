/**
 * A lean keep-alive HTTP/1.1 client over `Deno.connect`/`Deno.startTls`, shaped as `fetch` so that it
 * drops in wherever the proxy calls upstreams. It does what the proxy's upstream calls need and no
 * more: string or byte bodies, identity encoding (gzip and deflate answers are inflated all the same),
 * no redirects, no cookies, no caching. Anything else (a `Request` object, a streamed body, a `data:`
 * URL) goes to the fallback `fetch`.
 *
 * Why not `fetch`: issue 8 measured Deno's `fetch` as the proxy's largest cost (26% of the CPU sending,
 * a 64 KiB buffer allocated per body chunk, memory growing in the malloc heap), and undici's `Pool`
 * well short of the goal; a minimal client like this one reached twice their throughput.
 */
import { connect, Connection } from "./connection.ts";
import { ConnectionPool } from "./connection_pool.ts";
import { headBytes, requestHead } from "./request_head.ts";
import { BodyReader, readResponseHead, StaleConnectionError } from "./response_reader.ts";
import type { ResponseHead } from "./response_head.ts";

/** `fetch`'s signature, which this client implements. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Extra root certificates (PEM) trusted for TLS, besides the default ones. */
  caCerts?: string[];
  /** Idle connections kept per origin. @default 64 */
  maxIdlePerOrigin?: number;
  /** How long an idle connection may be reused. @default 4000 */
  idleTimeoutMs?: number;
  /** What requests this client does not handle go to. @default globalThis.fetch */
  fallback?: FetchLike;
}

const USER_AGENT = `Deno/${Deno.version.deno}`;
const encoder = new TextEncoder();
/** Content codings answered despite `accept-encoding: identity` that the client can still inflate. */
const INFLATABLE = new Map<string, CompressionFormat>([
  ["gzip", "gzip"],
  ["x-gzip", "gzip"],
  ["deflate", "deflate"],
]);

/** See the file comment. */
export class HttpClient {
  readonly #pool: ConnectionPool;
  readonly #caCerts: string[] | undefined;
  readonly #fallback: FetchLike;

  constructor(options: HttpClientOptions = {}) {
    const { caCerts, maxIdlePerOrigin, idleTimeoutMs, fallback = globalThis.fetch } = options;
    this.#pool = new ConnectionPool({ maxIdlePerOrigin, idleTimeoutMs });
    this.#caCerts = caCerts;
    this.#fallback = fallback;
  }

  /** Idle connections held (for tests). */
  get idleConnections(): number {
    return this.#pool.size;
  }

  /** `fetch`, over the client's own connections (bound: pass it around as a function). */
  readonly fetch: FetchLike = (input, init = {}) => {
    const body = bodyBytes(init.body);
    const url = typeof input === "string" ? URL.parse(input) : input instanceof URL ? input : null;
    if (body === undefined || url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
      return this.#fallback(input, init);
    }
    return this.#send(url, init, body);
  };

  /** Close every idle connection (those in use close when their response is read). */
  close(): void {
    this.#pool.close();
  }

  async #send(url: URL, init: RequestInit, body: Uint8Array<ArrayBuffer> | null): Promise<Response> {
    const { signal } = init;
    signal?.throwIfAborted();
    const method = (init.method ?? "GET").toUpperCase();
    const head = requestHead({
      method,
      url,
      headers: init.headers,
      bodyLength: body === null ? (method === "POST" || method === "PUT" ? 0 : null) : body.length,
      userAgent: USER_AGENT,
    });
    // Small bodies go out in the same write as the head: one packet, one syscall.
    const request = body === null
      ? [headBytes(head)]
      : body.length < 16 * 1024
      ? [concatTwo(headBytes(head), body)]
      : [headBytes(head), body];
    const origin = `${url.protocol}//${url.host}`;
    for (;;) {
      const connection = this.#pool.take(origin) ?? await this.#connect(url, signal);
      try {
        return await this.#exchange(connection, { origin, method, request, signal });
      } catch (error) {
        connection.close();
        // The server ended an idle connection just as we sent on it: the request was not read, so it
        // is sent again, on another connection (a fresh one at the latest: this loop ends).
        if (error instanceof StaleConnectionError && !signal?.aborted) continue;
        throw signal?.aborted ? signal.reason : error;
      }
    }
  }

  #connect(url: URL, signal: AbortSignal | null | undefined): Promise<Connection> {
    const tls = url.protocol === "https:";
    return connect({
      // `URL.hostname` keeps an IPv6 address's brackets.
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port === "" ? (tls ? 443 : 80) : Number(url.port),
      tls,
      caCerts: this.#caCerts,
      signal: signal ?? undefined,
    });
  }

  async #exchange(
    connection: Connection,
    exchange: {
      origin: string;
      method: string;
      request: Uint8Array<ArrayBuffer>[];
      signal?: AbortSignal | null;
    },
  ): Promise<Response> {
    const { origin, method, request, signal } = exchange;
    // Aborting closes the socket: whatever awaits it (the head, a body read) rejects at once.
    const onAbort = () => connection.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    let release = () => signal?.removeEventListener("abort", onAbort);
    try {
      try {
        for (const bytes of request) await connection.write(bytes);
      } catch (error) {
        // A reused connection the server closed meanwhile refuses the write: nothing was processed.
        if (connection.reused) {
          throw new StaleConnectionError("the server closed the connection", { cause: error });
        }
        throw error;
      }
      const head = await readResponseHead(connection, method);
      const coding = contentCoding(head);
      if (coding !== null && head.framing.kind !== "none" && !INFLATABLE.has(coding)) {
        throw new TypeError(`unsupported content-encoding: ${coding}`);
      }
      const reader = new BodyReader(connection, head.framing);
      const finish = () => {
        release();
        release = () => {};
        if (head.keepAlive && reader.done && reader.clean) this.#pool.give(origin, connection);
        else connection.close();
      };
      // The whole body often came with the head (a JSON answer): no stream needed.
      const first = connection.takeUnread();
      if (head.framing.kind !== "none" && first === null) {
        return this.#respond(head, streamBody(reader, null, { finish, connection, signal }));
      }
      const start = first === null ? new Uint8Array(0) : reader.take(first);
      if (reader.done) {
        finish();
        return this.#respond(head, head.framing.kind === "none" ? null : start);
      }
      return this.#respond(head, streamBody(reader, start, { finish, connection, signal }));
    } catch (error) {
      release();
      throw error;
    }
  }

  #respond(
    head: ResponseHead,
    body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>> | null,
  ): Response {
    let { headers } = head;
    const format = INFLATABLE.get(contentCoding(head) ?? "");
    if (body !== null && format !== undefined) {
      const compressed = body instanceof ReadableStream ? body : ReadableStream.from([body]);
      body = compressed.pipeThrough(new DecompressionStream(format));
      // As `fetch` gives it: the body decoded, so these headers no longer describe it.
      headers = headers.filter(([name]) => name !== "content-encoding" && name !== "content-length");
    }
    const nullBody = head.status === 204 || head.status === 304 || head.status < 200;
    return new Response(nullBody ? null : body, {
      status: head.status < 200 ? 502 : head.status,
      statusText: head.statusText,
      headers,
    });
  }
}

/** The answer's content coding, lower-cased, or null for none (identity). */
function contentCoding(head: ResponseHead): string | null {
  const coding = head.headers.find(([name]) => name === "content-encoding")?.[1].trim().toLowerCase();
  return coding === undefined || coding === "" || coding === "identity" ? null : coding;
}

/** A body as a stream of the connection's reads; the connection is released at its end. */
function streamBody(
  reader: BodyReader,
  start: Uint8Array<ArrayBuffer> | null,
  options: { finish: () => void; connection: Connection; signal?: AbortSignal | null },
): ReadableStream<Uint8Array<ArrayBuffer>> {
  const { finish, connection, signal } = options;
  let first = start;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      try {
        if (first !== null && first.length > 0) {
          controller.enqueue(first);
          first = null;
          if (reader.done) {
            finish();
            controller.close();
          }
          return;
        }
        first = null;
        for (;;) {
          const bytes = await reader.next();
          if (bytes === null) {
            finish();
            controller.close();
            return;
          }
          if (bytes.length === 0) continue;
          controller.enqueue(bytes);
          if (reader.done) {
            finish();
            controller.close();
          }
          return;
        }
      } catch (error) {
        connection.close();
        finish();
        controller.error(signal?.aborted ? signal.reason : error);
      }
    },
    cancel() {
      connection.close();
      finish();
    },
  }, { highWaterMark: 0 });
}

/** The bytes of a body `fetch` would take, null for none, or undefined for a kind this client leaves to `fetch`. */
function bodyBytes(body: BodyInit | null | undefined): Uint8Array<ArrayBuffer> | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body as Uint8Array<ArrayBuffer>;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return undefined;
}

function concatTwo(first: Uint8Array<ArrayBuffer>, second: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first);
  joined.set(second, first.length);
  return joined;
}
