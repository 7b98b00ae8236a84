/**
 * Counting tokens in a Worker, so neither loading the tokenizer (about 1.7 s of module evaluation) nor
 * counting a large request blocks the server's event loop. Started on first use, stopped by `close()`.
 */
import type { PieceCounter } from "./token_count.ts";
import type { CountReply, CountRequest } from "./token_worker_main.ts";

interface Pending {
  resolve: (tokens: number) => void;
  reject: (error: Error) => void;
}

/** A Worker that counts pieces of text; {@link TokenWorker.count} is a {@link PieceCounter}. */
export class TokenWorker {
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 0;

  /** Count `pieces` in the Worker. */
  count: PieceCounter = (pieces) => {
    if (pieces.length === 0) return Promise.resolve(0);
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, pieces: [...pieces] } satisfies CountRequest);
    });
  };

  /** Stop the Worker; counts in progress fail. */
  close(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#fail(new Error("the token counter was stopped"));
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(new URL("./token_worker_main.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<CountReply>) => {
      const pending = this.#pending.get(event.data.id);
      this.#pending.delete(event.data.id);
      pending?.resolve(event.data.tokens);
    };
    worker.onerror = (event) => {
      // A broken Worker is replaced on the next count; the counts it held fail (usage stays unestimated).
      event.preventDefault();
      worker.terminate();
      if (this.#worker === worker) this.#worker = null;
      this.#fail(new Error(`the token counter failed: ${event.message}`));
    };
    this.#worker = worker;
    return worker;
  }

  #fail(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
