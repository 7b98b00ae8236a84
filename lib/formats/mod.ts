/**
 * The format registry: for each wire format, how requests, responses and streams translate to and
 * from the canonical hub, and how errors look. Code that orchestrates a call picks two codecs (the
 * client's and the provider's) and never names a format's functions directly.
 */
import type { ErrorFields } from "./openai/error.ts";
import { openAIErrorBody, openAIStreamErrorEvent } from "./openai/error.ts";
import { canonicalToOpenAIRequest, openAIRequestToCanonical } from "./openai/request.ts";
import { canonicalToOpenAIResponse, openAIResponseToCanonical } from "./openai/response.ts";
import {
  openAIChunksToParts,
  openAIPartsDecoder,
  openAIPartsEncoder,
  partsToOpenAIChunks,
} from "./openai/stream.ts";
import { anthropicErrorBody, anthropicErrorStatus, anthropicStreamErrorEvent } from "./anthropic/error.ts";
import { anthropicRequestToCanonical, canonicalToAnthropicRequest } from "./anthropic/request.ts";
import { anthropicResponseToCanonical, canonicalToAnthropicResponse } from "./anthropic/response.ts";
import {
  anthropicEventsToParts,
  anthropicPartsDecoder,
  anthropicPartsEncoder,
  partsToAnthropicEvents,
} from "./anthropic/stream.ts";
import type { MessagesRequest } from "./anthropic/schema.ts";
import type {
  CanonicalRequest,
  CanonicalResponse,
  CanonicalUsage,
  StreamPart,
  WireFormat,
} from "./canonical.ts";
import { anthropicStreamUsage } from "./anthropic/usage.ts";
import { openAIStreamUsage, usageFromOpenAI } from "./openai/usage.ts";
import type { SseEvent } from "./sse.ts";
import { canonicalToGeminiRequest } from "./gemini/request.ts";
import { geminiResponseToCanonical } from "./gemini/response.ts";
import { geminiChunksToParts, geminiPartsDecoder } from "./gemini/stream.ts";
import type { PartsDecoder, PartsEncoder } from "./stream_pipeline.ts";
import { geminiToolMapping } from "./gemini/tool_mapping.ts";

/** Formats clients may speak to the proxy. */
export type CodecFormat = "openai" | "anthropic";

/** How a format's answers read: a whole response body, or a stream. */
export interface AnswerReader {
  /** A response body in this format → canonical. */
  toCanonicalResponse(json: unknown): CanonicalResponse;
  /** This format's SSE events → canonical parts. */
  streamToParts(): TransformStream<SseEvent, StreamPart>;
  /** The same as a synchronous step (stream translation runs one call per chunk when both sides have one). */
  partsDecoder?(): PartsDecoder;
}

/** What the proxy needs of a format a provider speaks: send it requests, read its answers. */
export interface ProviderCodec extends AnswerReader {
  readonly format: WireFormat;
  /** Canonical → a request body in this format. */
  fromCanonicalRequest(request: CanonicalRequest): Record<string, unknown>;
  /**
   * How the answers to a translated request read, for formats that must change part of a request on
   * its way out and undo it in the answer (Gemini renames tools it refuses and asks for JSON text where
   * its schemas cannot say "object"). Absent: answers read the same whatever was asked.
   */
  answerReader?(request: CanonicalRequest): AnswerReader;
}

/** How a format clients speak translates, both ways. */
export interface FormatCodec extends ProviderCodec {
  readonly format: CodecFormat;
  /** A validated request body → canonical (`model` is the upstream model id). */
  toCanonicalRequest(body: Record<string, unknown>, model: string): CanonicalRequest;
  /** Canonical → a response body in this format (`model` is the name the client used). */
  fromCanonicalResponse(response: CanonicalResponse, model: string): Record<string, unknown>;
  /** Token usage of a response body in this format, or null (for bodies passed through untouched). */
  usageOf(json: unknown): Partial<CanonicalUsage> | null;
  /** Token usage from the last bytes of a stream in this format, or null. */
  streamTailUsage(tail: string): Partial<CanonicalUsage> | null;
  /** Canonical parts → this format's SSE text. */
  partsToStream(options: { model: string; includeUsage: boolean }): TransformStream<StreamPart, string>;
  /** The same as a synchronous step. */
  partsEncoder?(options: { model: string; includeUsage: boolean }): PartsEncoder;
  /** The HTTP status this format uses for a status of ours. */
  errorStatus(status: number): number;
  /** An error body in this format. */
  errorBody(fields: ErrorFields): unknown;
  /** An in-stream error event in this format. */
  streamErrorEvent(fields: ErrorFields): string;
  /** The header this format's clients read a request id from (Anthropic's SDKs: `request-id`), or null. */
  readonly requestIdHeader: string | null;
}

const openai: FormatCodec = {
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
};

const anthropic: FormatCodec = {
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
};

const gemini: ProviderCodec = {
  format: "gemini",
  fromCanonicalRequest: canonicalToGeminiRequest,
  toCanonicalResponse: (json) => geminiResponseToCanonical(json),
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
};

/** The codecs of the formats clients speak, by format. */
export const CODECS: Readonly<Record<CodecFormat, FormatCodec>> = { openai, anthropic };

const PROVIDER_CODECS: Readonly<Record<WireFormat, ProviderCodec>> = { openai, anthropic, gemini };

/** The codec of a provider's native format. */
export function providerCodec(format: WireFormat): ProviderCodec {
  return PROVIDER_CODECS[format];
}
