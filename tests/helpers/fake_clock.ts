/** A clock whose time only moves when a test says so; timers fire in order as it advances. */
import type { Clock } from "../../lib/rotator/clock.ts";

interface Timer {
  id: number;
  atMs: number;
  callback: () => void;
}

/** A controllable {@link Clock}. */
export class FakeClock implements Clock {
  #nowMs: number;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1, 12)) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const timer = { id: this.#nextId++, atMs: this.#nowMs + Math.max(0, delayMs), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: unknown): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Move time forward by `ms`, firing due timers in order and letting promise callbacks run after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#nowMs + ms;
    for (;;) {
      await settle();
      this.#timers.sort((a, b) => a.atMs - b.atMs || a.id - b.id);
      const next = this.#timers[0];
      if (!next || next.atMs > target) break;
      this.#timers.shift();
      this.#nowMs = next.atMs;
      next.callback();
    }
    this.#nowMs = target;
    await settle();
  }
}

/** Let pending promise callbacks run (a real macrotask turn, not a wait for time to pass). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
