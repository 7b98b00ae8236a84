/**
 * Reading one response off a connection: the head, then the body by its framing, as exact-size views
 * of what the connection read. Says at the end whether the connection may carry the next request.
 */
import { ChunkedDecoder } from "./chunked_decoder.ts";
import type { Connection } from "./connection.ts";
import {
  type BodyFraming,
  HttpProtocolError,
  parseResponseHead,
  type ResponseHead,
} from "./response_head.ts";

/** Longest response head accepted. */
const MAX_HEAD_BYTES = 64 * 1024;

/** Thrown when a reused connection turned out closed before any byte of the answer: safe to resend. */
export class StaleConnectionError extends Error {
  override readonly name = "StaleConnectionError";
}

/** Read a response head (skipping 1xx interim answers); the bytes after it stay on the connection. */
export async function readResponseHead(connection: Connection, method: string): Promise<ResponseHead> {
  let received = 0;
  for (;;) {
    let head = new Uint8Array(0);
    let end = -1;
    while (end < 0) {
      let bytes: Uint8Array<ArrayBuffer> | null;
      try {
        bytes = await connection.read();
      } catch (error) {
        // A reset before any byte of the answer on a reused connection: the server dropped it idle.
        if (received === 0 && connection.reused) {
          throw new StaleConnectionError("the server reset the connection", { cause: error });
        }
        throw error;
      }
      if (bytes === null) {
        if (received === 0 && connection.reused) {
          throw new StaleConnectionError("the server closed the connection");
        }
        throw new HttpProtocolError("the server closed the connection before the response head");
      }
      received += bytes.length;
      const from = Math.max(0, head.length - 3);
      head = head.length === 0 ? bytes : concat([head, bytes]);
      end = headEnd(head, from);
      if (end < 0 && head.length > MAX_HEAD_BYTES) throw new HttpProtocolError("response head too large");
    }
    connection.unread(head.subarray(end + 4));
    const parsed = parseResponseHead(latin1(head.subarray(0, end)), method);
    if (parsed.status >= 200 || parsed.status === 101) return parsed;
  }
}

/** The body of one response, read piece by piece. */
export class BodyReader {
  readonly #connection: Connection;
  readonly #framing: BodyFraming;
  #remaining: number;
  readonly #chunked: ChunkedDecoder | null;
  #done: boolean;
  /** The connection holds nothing more than this response: it may be reused. */
  #clean = true;

  constructor(connection: Connection, framing: BodyFraming) {
    this.#connection = connection;
    this.#framing = framing;
    this.#remaining = framing.kind === "length" ? framing.length : 0;
    this.#chunked = framing.kind === "chunked" ? new ChunkedDecoder() : null;
    this.#done = framing.kind === "none";
  }

  /** The body was read to its end. */
  get done(): boolean {
    return this.#done;
  }

  /** The body ended exactly where the connection's bytes did. */
  get clean(): boolean {
    return this.#clean;
  }

  /** The next bytes of the body (possibly empty), or null once it ended. */
  async next(): Promise<Uint8Array<ArrayBuffer> | null> {
    if (this.#done) return null;
    const bytes = await this.#connection.read();
    if (bytes === null) {
      if (this.#framing.kind !== "close") {
        throw new HttpProtocolError("the server closed the connection before the body was complete");
      }
      this.#done = true;
      return null;
    }
    return this.take(bytes);
  }

  /** Decode bytes already read (the rest of the head's read, or {@link next}'s). */
  take(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
    switch (this.#framing.kind) {
      case "none":
        this.#clean = bytes.length === 0;
        return new Uint8Array(0);
      case "close":
        return bytes;
      case "length": {
        if (bytes.length < this.#remaining) {
          this.#remaining -= bytes.length;
          return bytes;
        }
        const body = bytes.subarray(0, this.#remaining);
        // Bytes past the announced length belong to no request of ours: never reuse the connection.
        this.#clean = bytes.length === this.#remaining;
        this.#remaining = 0;
        this.#done = true;
        return body;
      }
      case "chunked": {
        const decoder = this.#chunked!;
        const { data, used } = decoder.push(bytes);
        if (decoder.done) {
          this.#done = true;
          this.#clean = used === bytes.length;
        }
        return data.length === 1 ? data[0] : concat(data);
      }
    }
  }
}

/** Index of the CR LF CR LF that ends a head, searching from `from`, or -1. */
function headEnd(bytes: Uint8Array<ArrayBuffer>, from: number): number {
  for (let index = bytes.indexOf(13, from); index >= 0; index = bytes.indexOf(13, index + 1)) {
    if (bytes[index + 1] === 10 && bytes[index + 2] === 13 && bytes[index + 3] === 10) return index;
    if (index + 3 >= bytes.length) return -1;
  }
  return -1;
}

/** Join byte arrays into one. */
export function concat(parts: Uint8Array<ArrayBuffer>[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Bytes as text, one character per byte (header values may hold obs-text, which is not UTF-8). */
function latin1(bytes: Uint8Array<ArrayBuffer>): string {
  let text = "";
  for (let offset = 0; offset < bytes.length; offset += 8192) {
    text += String.fromCharCode(...bytes.subarray(offset, offset + 8192));
  }
  return text;
}
