/**
 * Where the rotator's state lives between runs. The embedded default keeps JSON files in a folder of
 * the data directory; other stores (e.g. Redis for several instances) implement the same interface.
 */
import { join } from "node:path";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Logger } from "../log/logger.ts";

/** Named JSON documents. */
export interface StateStore {
  /** The document, or null when there is none (a corrupt one is set aside and reads as none). */
  load(name: string): Promise<unknown | null>;
  save(name: string, document: unknown): Promise<void>;
}

/**
 * JSON files `<directory>/<name>.json`, written atomically (temporary file, then rename) with mode 0600; a
 * corrupt file is set aside and reads as none. Written with Node's file API, so the library (`mod.ts`) runs
 * the same store under Node.
 */
export class JsonFileStore implements StateStore {
  readonly #directory: string;
  readonly #logger: Logger | undefined;

  /** A store in `directory` (created on the first save); corrupt files are reported to `logger`. */
  constructor(directory: string, logger?: Logger) {
    this.#directory = directory;
    this.#logger = logger;
  }

  /** The document, or null when there is none or it is corrupt (then it is moved aside). */
  async load(name: string): Promise<unknown | null> {
    const path = this.#path(name);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return null;
      throw error;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      const aside = `${path}.corrupt-${new Date().toISOString().replaceAll(":", "-")}`;
      await rename(path, aside).catch(() => {});
      this.#logger?.warn(`${path} is not valid JSON (${(error as Error).message}); moved it to ${aside}`);
      return null;
    }
  }

  /** Write the document atomically, readable by its owner only. */
  async save(name: string, document: unknown): Promise<void> {
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    const path = this.#path(name);
    const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(document, null, 1) + "\n", { mode: 0o600 });
      // The mode of a new file is masked by the umask; say it again.
      await chmod(temporary, 0o600).catch(() => {});
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => {});
      throw error;
    }
  }

  #path(name: string): string {
    return join(this.#directory, `${name}.json`);
  }
}
