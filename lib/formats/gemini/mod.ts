/**
 * The Gemini API format as one unit: what Gemini clients send and read (`generateContent`,
 * `streamGenerateContent?alt=sse`, Google's error shape) and what a Gemini provider is sent and answers.
 * https://ai.google.dev/api/generate-content
 */
import type { FormatCodec } from "../codec.ts";
import { clampOutputTokensAt } from "../output_limit.ts";
import { overrideTemperatureZeroAt } from "../temperature.ts";
import { GEMINI_EMBED_BATCH_LIMIT, geminiBatchEmbedRequest, geminiEmbeddingsToResult } from "./embeddings.ts";
import { geminiErrorBody, geminiErrorStatus, geminiStreamErrorEvent } from "./error.ts";
import { canonicalToGeminiRequest } from "./request.ts";
import { geminiRequestToCanonical } from "./request_reading.ts";
import { canonicalToGeminiResponse, geminiResponseToCanonical } from "./response.ts";
import { geminiChunksToParts, geminiPartsDecoder } from "./stream.ts";
import { geminiPartsEncoder, partsToGeminiChunks } from "./stream_encoder.ts";
import { geminiToolMapping } from "./tool_mapping.ts";
import { geminiStreamUsage, usageOfGeminiAnswer } from "./usage.ts";

/** The Gemini codec. */
export const geminiFormat: FormatCodec = {
  format: "gemini",
  toCanonicalRequest: geminiRequestToCanonical,
  fromCanonicalRequest: canonicalToGeminiRequest,
  toCanonicalResponse: (json) => geminiResponseToCanonical(json),
  // Clients see the model they asked for where Google's `modelVersion` names the model that answered.
  fromCanonicalResponse: (response, model) =>
    canonicalToGeminiResponse({ ...response, model }, { carryForeign: true }),
  streamToParts: () => geminiChunksToParts(),
  partsDecoder: () => geminiPartsDecoder(),
  answerReader(request) {
    const tools = geminiToolMapping(request);
    return {
      toCanonicalResponse: (json) => geminiResponseToCanonical(json, { tools }),
      streamToParts: () => geminiChunksToParts({ tools }),
      partsDecoder: () => geminiPartsDecoder({ tools }),
    };
  },
  usageOf: usageOfGeminiAnswer,
  streamTailUsage: geminiStreamUsage,
  // Gemini clients always get usage: it rides on the last chunk.
  partsToStream: ({ model }) => partsToGeminiChunks({ model }),
  partsEncoder: ({ model }) => geminiPartsEncoder({ model }),
  errorStatus: geminiErrorStatus,
  errorBody: geminiErrorBody,
  streamErrorEvent: geminiStreamErrorEvent,
  // Google's clients read no request id header; ours travels as `x-proxy-request-id`.
  requestIdHeader: null,
  clampOutputTokens: (body, ceiling) =>
    clampOutputTokensAt(body, [["generationConfig", "maxOutputTokens"]], ceiling),
  overrideTemperatureZero: (body, mode) =>
    overrideTemperatureZeroAt(body, ["generationConfig", "temperature"], mode),
  embeddings: {
    request: (inputs, options) => geminiBatchEmbedRequest(inputs, options),
    toResult: (json, options) => geminiEmbeddingsToResult(json, options),
    // batchEmbedContents answers 400 past 100 requests.
    inputsPerCall: GEMINI_EMBED_BATCH_LIMIT,
  },
};
