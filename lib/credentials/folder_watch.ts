/**
 * Watching `oauth_creds/` so that a login, an import or a deleted file while the proxy runs changes the
 * pools without a restart. Events are debounced (an atomic write is a create plus a rename) and each
 * burst ends in one reload.
 */
import type { Logger } from "../log/logger.ts";
import { credentialsDirectory } from "./file_store.ts";

/** Options of {@link watchCredentialsFolder}. */
export interface FolderWatchOptions {
  /** Runs after a burst of changes. */
  onChange: () => Promise<unknown>;
  /** Quiet time that ends a burst. @default 200 */
  debounceMs?: number;
  logger?: Logger;
}

/** A running watch. */
export interface FolderWatch {
  close(): void;
}

/** Watch `<dataDir>/oauth_creds/` (created when missing). */
export async function watchCredentialsFolder(
  dataDir: string,
  options: FolderWatchOptions,
): Promise<FolderWatch> {
  const { onChange, debounceMs = 200, logger } = options;
  const directory = credentialsDirectory(dataDir);
  await Deno.mkdir(directory, { recursive: true, mode: 0o700 });
  const watcher = Deno.watchFs(directory, { recursive: false });
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<unknown> = Promise.resolve();
  const fire = () => {
    timer = null;
    running = running.then(onChange).catch((error) =>
      logger?.warn(`reloading ${directory} failed: ${(error as Error).message}`)
    );
  };
  (async () => {
    try {
      for await (const event of watcher) {
        // Our own temporary files come and go during atomic writes; only credential files matter.
        if (event.paths.every((path) => path.endsWith(".tmp"))) continue;
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(fire, debounceMs);
      }
    } catch (error) {
      logger?.warn(`watching ${directory} stopped: ${(error as Error).message}`);
    }
  })();
  return {
    close() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      try {
        watcher.close();
      } catch {
        // Already closed.
      }
    },
  };
}
