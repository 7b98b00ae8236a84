/** The model catalog: a bundled models.dev snapshot, exact lookups, model cards, prices and costs. */
export * from "./aliases.ts";
export * from "./bundled.ts";
export * from "./catalog_snapshot.ts";
export * from "./cost.ts";
export * from "./model_card.ts";
export * from "./price_book.ts";
export * from "./schema.ts";
export * from "./stored.ts";
export * from "./update.ts";
export * from "./enrich.ts";
