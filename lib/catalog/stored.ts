/**
 * The catalog `proxy catalog update` saved in the data directory (`catalog/models.json`), which takes the
 * bundled snapshot's place when present. A file that cannot be read is reported and the bundled snapshot
 * serves instead: a bad download must not stop the proxy.
 */
import { join } from "node:path";
import { loadBundledCatalog } from "./bundled.ts";
import { CatalogSnapshot } from "./catalog_snapshot.ts";
import { parseCatalogDocument } from "./schema.ts";

/** Where the updated catalog lives under the data directory. */
export const STORED_CATALOG_PATH = join("catalog", "models.json");

/** The file's content: the models.dev document plus where and when it was fetched. */
export interface StoredCatalogFile {
  source: string;
  fetchedAt: string;
  catalog: unknown;
}

/** Options of {@link loadCatalog}. */
export interface LoadCatalogOptions {
  /** Told why a stored catalog was not used. @default ignore */
  onWarning?: (message: string) => void;
}

/** The stored catalog of `dataDir` when there is a good one, else the bundled snapshot. */
export async function loadCatalog(
  dataDir: string,
  options: LoadCatalogOptions = {},
): Promise<CatalogSnapshot> {
  const { onWarning = () => {} } = options;
  const path = join(dataDir, STORED_CATALOG_PATH);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      onWarning(`cannot read ${path} (${(error as Error).message}); using the bundled model catalog`);
    }
    return loadBundledCatalog();
  }
  try {
    return parseStoredCatalog(text);
  } catch (error) {
    onWarning(
      `${path} is not a usable catalog (${(error as Error).message}); using the bundled model catalog`,
    );
    return loadBundledCatalog();
  }
}

/** Parse the text of a stored catalog file. Throws when it is not one. */
export function parseStoredCatalog(text: string): CatalogSnapshot {
  const file = JSON.parse(text) as Partial<StoredCatalogFile> | null;
  if (typeof file !== "object" || file === null || typeof file.fetchedAt !== "string") {
    throw new Error("missing fetchedAt");
  }
  const source = typeof file.source === "string" ? file.source : "unknown source";
  return new CatalogSnapshot(parseCatalogDocument(file.catalog), `${source}, fetched ${file.fetchedAt}`);
}
