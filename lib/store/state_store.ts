/**
 * Where the rotator's state lives between runs. The embedded default keeps JSON files in a folder of
 * the data directory; other stores (e.g. Redis for several instances) implement the same interface.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../config/env_file.ts";
import type { Logger } from "../log/logger.ts";

/** Named JSON documents. */
export interface StateStore {
  /** The document, or null when there is none (a corrupt one is set aside and reads as none). */
  load(name: string): Promise<unknown | null>;
  save(name: string, document: unknown): Promise<void>;
}

/** JSON files `<directory>/<name>.json`, written atomically with mode 0600. */
export class JsonFileStore implements StateStore {
  readonly #directory: string;
  readonly #logger: Logger | undefined;

  constructor(directory: string, logger?: Logger) {
    this.#directory = directory;
    this.#logger = logger;
  }

  async load(name: string): Promise<unknown | null> {
    const path = this.#path(name);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      const aside = `${path}.corrupt-${new Date().toISOString().replaceAll(":", "-")}`;
      await Deno.rename(path, aside).catch(() => {});
      this.#logger?.warn(`${path} is not valid JSON (${(error as Error).message}); moved it to ${aside}`);
      return null;
    }
  }

  async save(name: string, document: unknown): Promise<void> {
    await Deno.mkdir(this.#directory, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.#path(name), JSON.stringify(document, null, 1) + "\n");
  }

  #path(name: string): string {
    return join(this.#directory, `${name}.json`);
  }
}
