/**
 * The OpenAI Chat Completions format as one unit: what OpenAI clients send and read, and what an
 * OpenAI-compatible provider is sent and answers. https://platform.openai.com/docs/api-reference/chat
 */
import type { FormatCodec } from "../codec.ts";
import { clampOutputTokensAt } from "../output_limit.ts";
import { overrideTemperatureZeroAt } from "../temperature.ts";
import { openAIEmbeddingsRequest, openAIEmbeddingsToResult } from "./embeddings.ts";
import { openAIErrorBody, openAIStreamErrorEvent } from "./error.ts";
import { canonicalToOpenAIRequest, openAIRequestToCanonical } from "./request.ts";
import { canonicalToOpenAIResponse, openAIResponseToCanonical } from "./response.ts";
import {
  openAIChunksToParts,
  openAIPartsDecoder,
  openAIPartsEncoder,
  partsToOpenAIChunks,
} from "./stream.ts";
import { openAIStreamUsage, usageFromOpenAI } from "./usage.ts";

const OUTPUT_LIMITS = [["max_tokens"], ["max_completion_tokens"]] as const;

/** The OpenAI Chat Completions codec. */
export const openAIFormat: FormatCodec = {
  format: "openai",
  toCanonicalRequest: openAIRequestToCanonical,
  fromCanonicalRequest: canonicalToOpenAIRequest,
  toCanonicalResponse: openAIResponseToCanonical,
  fromCanonicalResponse: (response, model) => canonicalToOpenAIResponse(response, { model }),
  streamToParts: openAIChunksToParts,
  partsDecoder: openAIPartsDecoder,
  usageOf: usageFromOpenAI,
  streamTailUsage: openAIStreamUsage,
  partsToStream: (options) => partsToOpenAIChunks(options),
  partsEncoder: (options) => openAIPartsEncoder(options),
  errorStatus: (status) => status,
  errorBody: openAIErrorBody,
  streamErrorEvent: openAIStreamErrorEvent,
  // OpenAI's own `x-request-id` comes from the upstream; ours travels as `x-proxy-request-id`.
  requestIdHeader: null,
  clampOutputTokens: (body, ceiling) => clampOutputTokensAt(body, OUTPUT_LIMITS, ceiling),
  overrideTemperatureZero: (body, mode) => overrideTemperatureZeroAt(body, ["temperature"], mode),
  embeddings: {
    request: (inputs, options) => openAIEmbeddingsRequest(inputs, options),
    toResult: (json) => openAIEmbeddingsToResult(json),
  },
};
