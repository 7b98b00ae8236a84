/**
 * The Anthropic Messages format as one unit: what Anthropic clients send and read, and what an
 * Anthropic-native provider is sent and answers. https://docs.anthropic.com/en/api/messages
 */
import type { FormatCodec } from "../codec.ts";
import { clampOutputTokensAt } from "../output_limit.ts";
import { overrideTemperatureZeroAt } from "../temperature.ts";
import { anthropicErrorBody, anthropicErrorStatus, anthropicStreamErrorEvent } from "./error.ts";
import { anthropicRequestToCanonical, canonicalToAnthropicRequest } from "./request.ts";
import { anthropicResponseToCanonical, canonicalToAnthropicResponse } from "./response.ts";
import type { MessagesRequest } from "./schema.ts";
import {
  anthropicEventsToParts,
  anthropicPartsDecoder,
  anthropicPartsEncoder,
  partsToAnthropicEvents,
} from "./stream.ts";
import { anthropicStreamUsage } from "./usage.ts";

/** The Anthropic Messages codec. */
export const anthropicFormat: FormatCodec = {
  format: "anthropic",
  // The body was validated against `messagesRequestSchema` by the caller.
  toCanonicalRequest: (body, model) => anthropicRequestToCanonical(body as MessagesRequest, model),
  fromCanonicalRequest: canonicalToAnthropicRequest,
  toCanonicalResponse: anthropicResponseToCanonical,
  fromCanonicalResponse: (response, model) => canonicalToAnthropicResponse(response, { model }),
  streamToParts: anthropicEventsToParts,
  partsDecoder: anthropicPartsDecoder,
  usageOf: (json) => anthropicResponseToCanonical(json).usage,
  streamTailUsage: anthropicStreamUsage,
  partsToStream: ({ model }) => partsToAnthropicEvents({ model }),
  partsEncoder: ({ model }) => anthropicPartsEncoder({ model }),
  errorStatus: anthropicErrorStatus,
  errorBody: anthropicErrorBody,
  streamErrorEvent: anthropicStreamErrorEvent,
  requestIdHeader: "request-id",
  clampOutputTokens: (body, ceiling) => clampOutputTokensAt(body, [["max_tokens"]], ceiling),
  overrideTemperatureZero: (body, mode) => overrideTemperatureZeroAt(body, ["temperature"], mode),
};
