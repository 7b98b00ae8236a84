/**
 * `MODEL_PRICES`: what tokens cost, so usage can show an estimated cost. A JSON object from
 * `provider/model` (`*` wildcards allowed) to USD per million tokens:
 * `{"openai/gpt-4o": {"input": 2.5, "output": 10, "cached_input": 1.25}}`. It overrides the bundled model
 * catalog's prices (`cache_write` and `reasoning` are optional too).
 */
import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { matchesPattern } from "./rotation.ts";

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Tokens read from a prompt cache. @default input */
  cachedInput: number;
  /** Tokens written to a prompt cache. @default input */
  cacheWrite?: number;
  /** Reasoning tokens. @default output */
  reasoning?: number;
}

const priceSchema = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  cached_input: z.number().min(0).optional(),
  cache_write: z.number().min(0).optional(),
  reasoning: z.number().min(0).optional(),
}).strict();

/** Parse `MODEL_PRICES` (absent → no prices). Throws {@link ConfigError}. */
export function parseModelPrices(raw: string | undefined): ReadonlyMap<string, ModelPrice> {
  const prices = new Map<string, ModelPrice>();
  if (raw === undefined || raw.trim() === "") return prices;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError("MODEL_PRICES", `is not valid JSON (${(error as Error).message})`);
  }
  const parsed = z.record(z.string(), priceSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError("MODEL_PRICES", `${issue.path.join(".")}: ${issue.message}`);
  }
  for (const [pattern, price] of Object.entries(parsed.data)) {
    prices.set(pattern.toLowerCase(), {
      input: price.input,
      output: price.output,
      cachedInput: price.cached_input ?? price.input,
      ...(price.cache_write === undefined ? {} : { cacheWrite: price.cache_write }),
      ...(price.reasoning === undefined ? {} : { reasoning: price.reasoning }),
    });
  }
  return prices;
}

/** The price of `provider/model`: an exact entry first, then the first matching wildcard. */
export function priceOf(prices: ReadonlyMap<string, ModelPrice>, name: string): ModelPrice | null {
  const exact = prices.get(name.toLowerCase());
  if (exact) return exact;
  for (const [pattern, price] of prices) {
    if (pattern.includes("*") && matchesPattern(name, pattern)) return price;
  }
  return null;
}

/** Estimated cost in USD of one call's tokens. */
export function costOf(
  price: ModelPrice,
  tokens: { promptTokens: number; completionTokens: number; cachedTokens: number },
): number {
  const uncached = Math.max(0, tokens.promptTokens - tokens.cachedTokens);
  return (uncached * price.input + tokens.cachedTokens * price.cachedInput +
    tokens.completionTokens * price.output) /
    1_000_000;
}
