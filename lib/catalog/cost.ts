/**
 * What a call's tokens cost at a model's prices. Counts follow the OpenAI convention the proxy's usage
 * records use: `promptTokens` is every input token, cache reads and writes included; `completionTokens`
 * is every output token, reasoning included.
 */
import type { TokenPrices } from "./model_card.ts";

/** Token counts of one call. */
export interface CostTokens {
  /** All input tokens, including those read from or written to a prompt cache. */
  promptTokens: number;
  /** All output tokens, including reasoning. */
  completionTokens: number;
  /** Of the input, tokens read from a prompt cache. @default 0 */
  cachedTokens?: number;
  /** Of the input, tokens written to a prompt cache. @default 0 */
  cacheCreationTokens?: number;
  /** Of the output, reasoning tokens. @default 0 */
  reasoningTokens?: number;
}

/** The cost of each kind of token, in USD. */
export interface CostBreakdown {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  total: number;
}

/**
 * The cost of `tokens` at `prices`. Cache reads and writes fall back to the input price and reasoning to
 * the output price when the catalog names none (what the vendor bills when it has no separate rate).
 */
export function costBreakdown(prices: TokenPrices, tokens: CostTokens): CostBreakdown {
  const cached = Math.max(0, tokens.cachedTokens ?? 0);
  const created = Math.max(0, tokens.cacheCreationTokens ?? 0);
  const uncached = Math.max(0, tokens.promptTokens - cached - created);
  const reasoningTokens = Math.min(Math.max(0, tokens.reasoningTokens ?? 0), tokens.completionTokens);
  const plainOutput = Math.max(0, tokens.completionTokens - reasoningTokens);
  const perToken = (pricePerMillion: number, count: number) => (pricePerMillion * count) / 1_000_000;
  const input = perToken(prices.input, uncached);
  const cacheRead = perToken(prices.cacheRead ?? prices.input, cached);
  const cacheWrite = perToken(prices.cacheWrite ?? prices.input, created);
  const output = perToken(prices.output, plainOutput);
  const reasoning = perToken(prices.reasoning ?? prices.output, reasoningTokens);
  return {
    input,
    cacheRead,
    cacheWrite,
    output,
    reasoning,
    total: input + cacheRead + cacheWrite + output + reasoning,
  };
}

/** The total cost in USD of `tokens` at `prices`. */
export function costOfTokens(prices: TokenPrices, tokens: CostTokens): number {
  return costBreakdown(prices, tokens).total;
}
