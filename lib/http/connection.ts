/**
 * One HTTP/1.1 connection to an origin: TCP, or TLS with the certificate verified. It reads into one
 * buffer it keeps for its whole life and hands out exact-size copies, so a stream of small chunks costs
 * small allocations (Deno's own body streams allocate 64 KiB per read). While it waits in the pool it
 * keeps a read pending: the server closing it is noticed at once, not on the next request.
 */

/** Size of the buffer a connection reads into. */
const READ_BUFFER_BYTES = 64 * 1024;

/** Where to connect, and how. */
export interface ConnectTarget {
  hostname: string;
  port: number;
  tls: boolean;
  /** Extra root certificates (PEM), trusted besides the default ones. */
  caCerts?: string[];
  /** Aborts the connect (and the TLS handshake). */
  signal?: AbortSignal;
}

/** Open a connection; rejects with the signal's reason when it aborts first. */
export async function connect(target: ConnectTarget): Promise<Connection> {
  const { hostname, port, tls, caCerts, signal } = target;
  signal?.throwIfAborted();
  const tcp = await Deno.connect({ hostname, port, signal });
  try {
    tcp.setNoDelay(true);
    if (!tls) return new Connection(tcp);
    const handshake = Deno.startTls(tcp, { hostname, caCerts, alpnProtocols: ["http/1.1"] });
    // A handshake abandoned on abort may still complete: its connection must not be left open.
    signal?.addEventListener("abort", () => handshake.then((conn) => conn.close(), () => {}), { once: true });
    return new Connection(await abortable(handshake, signal));
  } catch (error) {
    try {
      tcp.close();
    } catch { /* the handshake may have closed it already */ }
    throw error;
  }
}

/** A connection; see the file comment. */
export class Connection {
  /** It carried a request before (so a silent close may just be the server ending an idle connection). */
  reused = false;
  /** When it was last put back in the pool (ms since the epoch). */
  idleSince = 0;
  #conn: Deno.Conn;
  #buffer = new Uint8Array(READ_BUFFER_BYTES);
  #closed = false;
  /** The read started while the connection was idle, when it has not been taken yet. */
  #pending: Promise<Uint8Array<ArrayBuffer> | null> | null = null;
  /** Bytes read but not consumed by the last reader. */
  #unread: Uint8Array<ArrayBuffer> | null = null;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** It was closed (by us, or found closed by the server). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Write all of `bytes`. */
  async write(bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
  }

  /** The next bytes from the server (a fresh array, not a view of the buffer), or null at its close. */
  read(): Promise<Uint8Array<ArrayBuffer> | null> {
    if (this.#unread !== null) {
      const bytes = this.#unread;
      this.#unread = null;
      return Promise.resolve(bytes);
    }
    if (this.#pending !== null) {
      const pending = this.#pending;
      this.#pending = null;
      return pending;
    }
    return this.#readOnce();
  }

  /** The bytes given back by the last reader, without waiting for the network; null when none. */
  takeUnread(): Uint8Array<ArrayBuffer> | null {
    const bytes = this.#unread;
    this.#unread = null;
    return bytes;
  }

  /** Give bytes back to be read first by the next {@link read}. */
  unread(bytes: Uint8Array<ArrayBuffer>): void {
    if (bytes.length > 0) this.#unread = bytes;
  }

  /**
   * Park the connection: start a read that, should it complete before the connection is taken again,
   * means the server closed it (or sent what no request asked for): `onLost` then runs. The parked
   * connection does not keep the process alive.
   */
  park(onLost: () => void): void {
    this.#conn.unref();
    const pending = this.#readOnce();
    this.#pending = pending;
    const lost = () => {
      if (this.#pending !== pending) return;
      this.#pending = null;
      this.close();
      onLost();
    };
    pending.then(lost, lost);
  }

  /** Take a parked connection back into use. */
  unpark(): void {
    this.#conn.ref();
  }

  /** Close the socket; pending reads and writes reject. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  async #readOnce(): Promise<Uint8Array<ArrayBuffer> | null> {
    const count = await this.#conn.read(this.#buffer);
    return count === null ? null : this.#buffer.slice(0, count);
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
