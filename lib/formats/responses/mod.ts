/**
 * The OpenAI Responses API as one format: as a client-facing codec (request reading, the `response`
 * object, the event stream, errors) and as an upstream codec (request from canonical, answer and stream
 * readers). One codec is built per request ({@link responsesCodec}) because a Responses answer repeats
 * the request (instructions, tools, …) and names namespace functions as the client did.
 * https://platform.openai.com/docs/api-reference/responses
 */
import type { FormatCodec } from "../codec.ts";
import { clampOutputTokensAt } from "../output_limit.ts";
import { overrideTemperatureZeroAt } from "../temperature.ts";
import { openAIErrorBody } from "../openai/error.ts";
import { responsesStreamErrorEvent } from "./error.ts";
import { readResponsesRequest } from "./request_reading.ts";
import { canonicalToResponsesRequest } from "./request.ts";
import { canonicalToResponsesResponse, type ResponseEcho, responsesResponseToCanonical } from "./response.ts";
import { responsesEventsToParts, responsesPartsDecoder } from "./stream.ts";
import {
  failResponsesStream,
  partsToResponsesEvents,
  type ResponsesEncoderState,
  responsesPartsEncoder,
  type ResponsesStreamOptions,
} from "./stream_encoder.ts";
import type { NamespaceNames } from "./tool_names.ts";
import { responsesStreamUsage, usageFromResponses } from "./usage.ts";
import { isRecord, type Json } from "../json_values.ts";

export { checkInputItems, describeTools, inputItems } from "./request_reading.ts";
export { echoOfRequest } from "./response.ts";
export { withoutCarriedReasoning } from "./reasoning_carrier.ts";
export { responsesRequestSchema } from "./schema.ts";
export type { ResponsesRequest } from "./schema.ts";

/** What a per-request Responses codec knows of its request. */
export interface ResponsesCodecOptions {
  /** Request fields the answer repeats (see `echoOfRequest`). @default {} */
  echo?: ResponseEcho;
  /** Flat names of namespace functions → the client's names. @default none */
  namespaces?: NamespaceNames;
  /** Receives every whole response a translated stream completes (to keep it). @default none */
  onStreamedResponse?: (response: Json) => Promise<void>;
}

/**
 * The Responses codec for one request. Its stream encoder remembers its state so that a stream the
 * upstream breaks still ends in a `response.failed` that continues the client's sequence: use one codec
 * per request.
 */
export function responsesCodec(options: ResponsesCodecOptions = {}): FormatCodec {
  const { echo = {}, namespaces = new Map(), onStreamedResponse } = options;
  let encoder: ResponsesEncoderState | null = null;
  const streamOptions = (model: string): ResponsesStreamOptions => ({
    model,
    echo,
    namespaces,
    onState: (state) => encoder = state,
    onResponse: onStreamedResponse,
  });
  return {
    format: "responses",
    toCanonicalRequest: (body, model) => readResponsesRequest(body, model).request,
    fromCanonicalRequest: canonicalToResponsesRequest,
    toCanonicalResponse: responsesResponseToCanonical,
    fromCanonicalResponse: (response, model) =>
      canonicalToResponsesResponse(response, { model, echo, namespaces }),
    streamToParts: responsesEventsToParts,
    partsDecoder: responsesPartsDecoder,
    usageOf: (json) => isRecord(json) ? usageFromResponses(json.usage) : null,
    streamTailUsage: responsesStreamUsage,
    partsToStream: ({ model }) => partsToResponsesEvents(streamOptions(model)),
    partsEncoder: ({ model }) => responsesPartsEncoder(streamOptions(model)),
    errorStatus: (status) => status,
    errorBody: openAIErrorBody,
    streamErrorEvent: (fields) =>
      encoder === null
        ? responsesStreamErrorEvent(fields)
        : failResponsesStream({ ...encoder }, fields).join(""),
    // OpenAI's own `x-request-id` comes from the upstream; ours travels as `x-proxy-request-id`.
    requestIdHeader: null,
    clampOutputTokens: (body, ceiling) => clampOutputTokensAt(body, [["max_output_tokens"]], ceiling),
    overrideTemperatureZero: (body, mode) => overrideTemperatureZeroAt(body, ["temperature"], mode),
  };
}

/**
 * The Responses codec for requests it knows nothing of (errors, upstream calls, matrix tests); the front
 * door builds one per request.
 */
export const responsesFormat: FormatCodec = responsesCodec();
