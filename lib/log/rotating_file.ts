/**
 * An append-only log file capped in size: when a write would take it past `maxBytes` it is renamed to
 * `<name>.1` (older ones shift to `.2`, …, beyond `keep` they are deleted) and a new file begins. Writes
 * are queued in order and never throw at the caller: a full disk must not fail a request.
 */

/** Options of {@link RotatingFile}. */
export interface RotatingFileOptions {
  /** Size at which the file rotates. */
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  keep: number;
  /** Told when a write fails (once per failure streak). @default ignore */
  onError?: (error: unknown) => void;
}

const encoder = new TextEncoder();

/** One size-capped, rotating log file. */
export class RotatingFile {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #onError: (error: unknown) => void;
  #size: number | null = null;
  #queue: Promise<void> = Promise.resolve();
  #failing = false;

  constructor(path: string, options: RotatingFileOptions) {
    this.path = path;
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep;
    this.#onError = options.onError ?? (() => {});
  }

  /** Queue `text` to be appended (as is: add the newline yourself). */
  append(text: string): Promise<void> {
    const bytes = encoder.encode(text);
    this.#queue = this.#queue.then(() => this.#write(bytes));
    return this.#queue;
  }

  /** Resolves once every queued write is done. */
  flush(): Promise<void> {
    return this.#queue;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      if (this.#size === null) this.#size = await sizeOf(this.path);
      if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) await this.#rotate();
      await Deno.writeFile(this.path, bytes, { append: true, create: true, mode: 0o600 });
      this.#size += bytes.length;
      this.#failing = false;
    } catch (error) {
      this.#size = null;
      if (!this.#failing) this.#onError(error);
      this.#failing = true;
    }
  }

  async #rotate(): Promise<void> {
    await removeIfPresent(`${this.path}.${this.#keep}`);
    for (let index = this.#keep - 1; index >= 1; index--) {
      await renameIfPresent(`${this.path}.${index}`, `${this.path}.${index + 1}`);
    }
    if (this.#keep > 0) await renameIfPresent(this.path, `${this.path}.1`);
    else await removeIfPresent(this.path);
    this.#size = 0;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
