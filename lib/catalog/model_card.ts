/**
 * A model card: what the catalog says about one model (limits, prices, capabilities), normalized from the
 * models.dev entry, and rendered for `/v1/models` in snake_case next to OpenAI's model object fields.
 */
import type { CatalogModel } from "./schema.ts";

/** USD per million tokens. Cache and reasoning prices are absent when the catalog names none. */
export interface TokenPrices {
  input: number;
  output: number;
  /** Tokens read from a prompt cache. */
  cacheRead?: number;
  /** Tokens written to a prompt cache. */
  cacheWrite?: number;
  /** Reasoning tokens, when they are priced apart from other output. */
  reasoning?: number;
}

/** What a model can do; null when the catalog does not say. */
export interface ModelCapabilities {
  tools: boolean | null;
  vision: boolean | null;
  reasoning: boolean | null;
  structuredOutput: boolean | null;
}

/** One model as the catalog describes it. */
export interface ModelCard {
  /** Display name, e.g. "GPT-4o". */
  name: string | null;
  /** The catalog provider and model id that matched (`google` / `gemini-2.5-pro`). */
  catalogProvider: string;
  catalogModel: string;
  contextWindow: number | null;
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  /** Null when the catalog has no input and output price. */
  prices: TokenPrices | null;
  capabilities: ModelCapabilities;
  inputModalities: readonly string[];
  outputModalities: readonly string[];
  knowledgeCutoff: string | null;
  releaseDate: string | null;
}

/** Build the card of a catalog entry. */
export function modelCardOf(catalogProvider: string, model: CatalogModel): ModelCard {
  const inputModalities = model.modalities?.input ?? [];
  return {
    name: model.name ?? null,
    catalogProvider,
    catalogModel: model.id,
    contextWindow: model.limit?.context || null,
    maxInputTokens: model.limit?.input || null,
    maxOutputTokens: model.limit?.output || null,
    prices: pricesOf(model),
    capabilities: {
      tools: model.tool_call ?? null,
      vision: model.modalities?.input ? inputModalities.includes("image") : null,
      reasoning: model.reasoning ?? null,
      structuredOutput: model.structured_output ?? null,
    },
    inputModalities,
    outputModalities: model.modalities?.output ?? [],
    knowledgeCutoff: model.knowledge ?? null,
    releaseDate: model.release_date ?? null,
  };
}

function pricesOf(model: CatalogModel): TokenPrices | null {
  const cost = model.cost;
  // A price with only one side would price the other side as free: treat it as unknown.
  if (cost?.input === undefined || cost.output === undefined) return null;
  const prices: TokenPrices = { input: cost.input, output: cost.output };
  if (cost.cache_read !== undefined) prices.cacheRead = cost.cache_read;
  if (cost.cache_write !== undefined) prices.cacheWrite = cost.cache_write;
  if (cost.reasoning !== undefined) prices.reasoning = cost.reasoning;
  return prices;
}

/** The enrichment fields of a `/v1/models` entry (snake_case, USD per million tokens). */
export interface RenderedCardFields {
  name: string | null;
  context_window: number | null;
  max_input_tokens: number | null;
  max_output_tokens: number | null;
  pricing: {
    currency: "USD";
    unit: "per_million_tokens";
    input: number;
    output: number;
    cache_read: number | null;
    cache_write: number | null;
    reasoning: number | null;
    source: string;
  } | null;
  capabilities: {
    tools: boolean | null;
    vision: boolean | null;
    reasoning: boolean | null;
    structured_output: boolean | null;
  } | null;
  modalities: { input: readonly string[]; output: readonly string[] } | null;
  knowledge_cutoff: string | null;
  release_date: string | null;
  catalog: { known: true; provider: string; model: string; version: string } | {
    known: false;
    reason: string;
    version: string;
  };
}

/** Options of {@link renderCardFields}. */
export interface RenderCardOptions {
  /** The catalog's version, shown so a client knows how fresh the numbers are. */
  version: string;
  /** Prices that override the catalog's (`MODEL_PRICES`) and where they came from. */
  priceOverride?: { prices: TokenPrices; source: string } | null;
}

/** The fields `/v1/models` adds to a model, for a known card or an unknown model (with the reason). */
export function renderCardFields(
  card: ModelCard | { unknown: string },
  options: RenderCardOptions,
): RenderedCardFields {
  const { version, priceOverride = null } = options;
  if ("unknown" in card) {
    return {
      name: null,
      context_window: null,
      max_input_tokens: null,
      max_output_tokens: null,
      pricing: priceOverride ? renderPrices(priceOverride.prices, priceOverride.source) : null,
      capabilities: null,
      modalities: null,
      knowledge_cutoff: null,
      release_date: null,
      catalog: { known: false, reason: card.unknown, version },
    };
  }
  const pricing = priceOverride
    ? renderPrices(priceOverride.prices, priceOverride.source)
    : card.prices
    ? renderPrices(card.prices, `catalog ${card.catalogProvider}/${card.catalogModel}`)
    : null;
  return {
    name: card.name,
    context_window: card.contextWindow,
    max_input_tokens: card.maxInputTokens,
    max_output_tokens: card.maxOutputTokens,
    pricing,
    capabilities: {
      tools: card.capabilities.tools,
      vision: card.capabilities.vision,
      reasoning: card.capabilities.reasoning,
      structured_output: card.capabilities.structuredOutput,
    },
    modalities: { input: card.inputModalities, output: card.outputModalities },
    knowledge_cutoff: card.knowledgeCutoff,
    release_date: card.releaseDate,
    catalog: { known: true, provider: card.catalogProvider, model: card.catalogModel, version },
  };
}

function renderPrices(prices: TokenPrices, source: string): NonNullable<RenderedCardFields["pricing"]> {
  return {
    currency: "USD",
    unit: "per_million_tokens",
    input: prices.input,
    output: prices.output,
    cache_read: prices.cacheRead ?? null,
    cache_write: prices.cacheWrite ?? null,
    reasoning: prices.reasoning ?? null,
    source,
  };
}
