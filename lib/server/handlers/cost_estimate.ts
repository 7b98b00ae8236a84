/**
 * `POST /v1/cost-estimate`: `{model, prompt_tokens, completion_tokens, cached_tokens?,
 * cache_creation_tokens?, reasoning_tokens?}` → the cost in USD with the prices used, or `cost: null`
 * with the reason. Token counts follow OpenAI's usage: prompt tokens include cached and cache-written
 * ones, completion tokens include reasoning.
 */
import type { Handler } from "hono";
import { z } from "zod";
import type { PriceBook } from "../../catalog/price_book.ts";
import { costBreakdown } from "../../catalog/cost.ts";
import type { AppEnv } from "../context.ts";
import { readJsonBody } from "../request_body.ts";
import { validateBody } from "../validation.ts";

const count = z.number().int().min(0);

/** The request body. */
export const costEstimateRequestSchema = z.object({
  model: z.string().min(1),
  prompt_tokens: count,
  completion_tokens: count,
  cached_tokens: count.optional(),
  cache_creation_tokens: count.optional(),
  reasoning_tokens: count.optional(),
}).strict().refine(
  (body) => (body.cached_tokens ?? 0) + (body.cache_creation_tokens ?? 0) <= body.prompt_tokens,
  {
    message: "cached_tokens plus cache_creation_tokens cannot exceed prompt_tokens",
    path: ["cached_tokens"],
  },
).refine((body) => (body.reasoning_tokens ?? 0) <= body.completion_tokens, {
  message: "reasoning_tokens cannot exceed completion_tokens (they are part of them)",
  path: ["reasoning_tokens"],
});

/** Options of {@link costEstimate}. */
export interface CostEstimateOptions {
  /** The prices (the catalog, with `MODEL_PRICES` over it), once loaded. */
  prices: () => Promise<PriceBook>;
  maxRequestBodyBytes: number;
}

/** Build the cost estimate handler. */
export function costEstimate(options: CostEstimateOptions): Handler<AppEnv> {
  const { prices, maxRequestBodyBytes } = options;
  return async function costEstimate(c) {
    const body = validateBody(costEstimateRequestSchema, await readJsonBody(c.req.raw, maxRequestBodyBytes));
    c.get("access").model = body.model;
    const book = await prices();
    const tokens = {
      promptTokens: body.prompt_tokens,
      completionTokens: body.completion_tokens,
      cachedTokens: body.cached_tokens ?? 0,
      cacheCreationTokens: body.cache_creation_tokens ?? 0,
      reasoningTokens: body.reasoning_tokens ?? 0,
    };
    const base = {
      object: "cost_estimate",
      model: body.model,
      currency: "USD",
      catalog_version: book.catalog.version,
    };
    const resolution = book.pricesOf(body.model);
    if (!resolution.prices) return c.json({ ...base, cost: null, reason: resolution.reason, prices: null });
    const breakdown = costBreakdown(resolution.prices, tokens);
    return c.json({
      ...base,
      cost: breakdown.total,
      breakdown: {
        input: breakdown.input,
        cache_read: breakdown.cacheRead,
        cache_write: breakdown.cacheWrite,
        output: breakdown.output,
        reasoning: breakdown.reasoning,
      },
      prices: {
        unit: "per_million_tokens",
        input: resolution.prices.input,
        output: resolution.prices.output,
        cache_read: resolution.prices.cacheRead ?? null,
        cache_write: resolution.prices.cacheWrite ?? null,
        reasoning: resolution.prices.reasoning ?? null,
        source: resolution.source,
      },
    });
  };
}
