/** Model entries of `/v1/models` with their catalog card: limits, prices and capabilities. */
import { renderCardFields, type RenderedCardFields } from "./model_card.ts";
import type { PriceBook } from "./price_book.ts";

/** `entry` (whose `id` is our `provider/model` name) with the card's fields added. */
export function enrichModel<Entry extends { id: string }>(
  entry: Entry,
  book: PriceBook,
): Entry & RenderedCardFields {
  const lookup = book.catalog.lookup(entry.id);
  const resolution = book.pricesOf(entry.id);
  // `MODEL_PRICES` is shown as the price when it applies; otherwise the catalog's own.
  const priceOverride = resolution.prices && resolution.source === "MODEL_PRICES"
    ? { prices: resolution.prices, source: resolution.source }
    : null;
  const fields = renderCardFields(lookup.known ? lookup.card : { unknown: lookup.reason }, {
    version: book.catalog.version,
    priceOverride,
  });
  return { ...entry, ...fields };
}
