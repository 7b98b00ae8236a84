/**
 * Coarse timeouts for the request path. Every upstream call needs a timeout that almost never fires;
 * a runtime timer per call (two per request) is a measurable cost at thousands of requests per
 * second. Here all timeouts share one timer ticking every `resolutionMs` while any is pending, and
 * scheduling or cancelling one is a Set insertion or deletion.
 */

/** A scheduled timeout; pass it to {@link TimeoutWheel.cancel}. */
export interface TimeoutHandle {
  readonly dueAtMs: number;
  readonly callback: () => void;
}

/** Options of {@link TimeoutWheel}. */
export interface TimeoutWheelOptions {
  /** How late a timeout may fire. @default 100 */
  resolutionMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Many timeouts on one timer, with `resolutionMs` precision. */
export class TimeoutWheel {
  readonly #resolutionMs: number;
  readonly #now: () => number;
  readonly #pending = new Set<TimeoutHandle>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: TimeoutWheelOptions = {}) {
    this.#resolutionMs = options.resolutionMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  /** Call `callback` once, `delayMs` from now (up to `resolutionMs` later). */
  schedule(delayMs: number, callback: () => void): TimeoutHandle {
    const handle = { dueAtMs: this.#now() + delayMs, callback };
    this.#pending.add(handle);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#resolutionMs);
      // A pending timeout alone must not keep the process alive.
      this.#timer.unref();
    }
    return handle;
  }

  /** Forget a timeout that has not fired. */
  cancel(handle: TimeoutHandle): void {
    this.#pending.delete(handle);
  }

  /** Timeouts not yet fired. */
  get size(): number {
    return this.#pending.size;
  }

  #tick(): void {
    const now = this.#now();
    for (const handle of this.#pending) {
      if (handle.dueAtMs > now) continue;
      this.#pending.delete(handle);
      handle.callback();
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** The wheel the request path uses. */
export const requestTimeouts: TimeoutWheel = new TimeoutWheel();
