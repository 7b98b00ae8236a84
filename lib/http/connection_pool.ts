/**
 * Idle keep-alive connections by origin, newest first (a connection used a moment ago is the one least
 * likely to have been closed by the server). No timers: a connection idle for too long is dropped when
 * met, and one the server closes is dropped at once (see {@link Connection.park}).
 */
import type { Connection } from "./connection.ts";

/** Options of {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Idle connections kept per origin; more are closed. @default 64 */
  maxIdlePerOrigin?: number;
  /**
   * A connection idle this long is not reused: servers end idle connections (Node's default is 5 s),
   * and one ended while our request is on its way fails that request.
   * @default 4000
   */
  idleTimeoutMs?: number;
  /** ms since the epoch. @default Date.now */
  now?: () => number;
}

/** See the file comment. */
export class ConnectionPool {
  readonly #idle = new Map<string, Connection[]>();
  readonly #maxIdlePerOrigin: number;
  readonly #idleTimeoutMs: number;
  readonly #now: () => number;

  constructor(options: ConnectionPoolOptions = {}) {
    const { maxIdlePerOrigin = 64, idleTimeoutMs = 4000, now = Date.now } = options;
    this.#maxIdlePerOrigin = maxIdlePerOrigin;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#now = now;
  }

  /** An idle connection to `origin` that may still be used, or undefined. */
  take(origin: string): Connection | undefined {
    const idle = this.#idle.get(origin);
    if (idle === undefined) return undefined;
    const oldest = this.#now() - this.#idleTimeoutMs;
    for (let connection = idle.pop(); connection !== undefined; connection = idle.pop()) {
      if (!connection.closed && connection.idleSince > oldest) {
        connection.unpark();
        return connection;
      }
      connection.close();
    }
    return undefined;
  }

  /** Put a connection whose last response was read to the end back for reuse. */
  give(origin: string, connection: Connection): void {
    if (connection.closed) return;
    let idle = this.#idle.get(origin);
    if (idle === undefined) this.#idle.set(origin, idle = []);
    if (idle.length >= this.#maxIdlePerOrigin) {
      connection.close();
      return;
    }
    connection.reused = true;
    connection.idleSince = this.#now();
    idle.push(connection);
    connection.park(() => {
      const index = idle.indexOf(connection);
      if (index >= 0) idle.splice(index, 1);
    });
  }

  /** How many idle connections it holds (for tests). */
  get size(): number {
    let size = 0;
    for (const idle of this.#idle.values()) size += idle.length;
    return size;
  }

  /** Close every idle connection. */
  close(): void {
    for (const idle of this.#idle.values()) {
      for (const connection of idle) connection.close();
    }
    this.#idle.clear();
  }
}
