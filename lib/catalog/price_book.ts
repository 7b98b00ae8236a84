/**
 * Which prices a model is billed at: `MODEL_PRICES` first (the operator's override, wildcards allowed),
 * else the model catalog, else none (with the reason). Usage records, metrics and `/v1/cost-estimate`
 * all ask here, so one model never has two prices.
 */
import { type ModelPrice, priceOf } from "../config/pricing.ts";
import type { CatalogSnapshot } from "./catalog_snapshot.ts";
import { costOfTokens, type CostTokens } from "./cost.ts";
import type { TokenPrices } from "./model_card.ts";

/** Prices found, with where they came from, or the reason there are none. */
export type PriceResolution =
  | { prices: TokenPrices; source: string }
  | { prices: null; reason: string };

/** Prices of models by our `provider/model` names. */
export class PriceBook {
  readonly #catalog: CatalogSnapshot;
  readonly #overrides: ReadonlyMap<string, ModelPrice>;

  constructor(catalog: CatalogSnapshot, overrides: ReadonlyMap<string, ModelPrice> = new Map()) {
    this.#catalog = catalog;
    this.#overrides = overrides;
  }

  /** The catalog the book reads. */
  get catalog(): CatalogSnapshot {
    return this.#catalog;
  }

  /** The prices of `provider/model`. */
  pricesOf(name: string): PriceResolution {
    const override = priceOf(this.#overrides, name);
    if (override) return { prices: tokenPricesOf(override), source: "MODEL_PRICES" };
    const lookup = this.#catalog.lookup(name);
    if (!lookup.known) return { prices: null, reason: lookup.reason };
    const { card } = lookup;
    if (!card.prices) {
      return {
        prices: null,
        reason:
          `the catalog (${this.#catalog.version}) has no price for ${card.catalogProvider}/${card.catalogModel}`,
      };
    }
    return { prices: card.prices, source: `catalog ${card.catalogProvider}/${card.catalogModel}` };
  }

  /** The cost in USD of a call to `provider/model`, or null when its prices are unknown. */
  costOf(name: string, tokens: CostTokens): number | null {
    const resolution = this.pricesOf(name);
    return resolution.prices ? costOfTokens(resolution.prices, tokens) : null;
  }
}

/** `MODEL_PRICES` entry → catalog price shape. */
export function tokenPricesOf(price: ModelPrice): TokenPrices {
  const prices: TokenPrices = { input: price.input, output: price.output, cacheRead: price.cachedInput };
  if (price.cacheWrite !== undefined) prices.cacheWrite = price.cacheWrite;
  if (price.reasoning !== undefined) prices.reasoning = price.reasoning;
  return prices;
}
