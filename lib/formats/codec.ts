/**
 * What a wire format is, as one unit: how its clients' requests, answers, streams and errors read and
 * look (the client-facing side), and how a provider that speaks it is asked and answers (the upstream
 * side). Each format's folder exports one {@link FormatCodec} from its `mod.ts`; `formats/mod.ts` only
 * registers them, and code that orchestrates a call holds two codecs (the client's and the provider's)
 * without ever naming a format.
 */
import type {
  CanonicalRequest,
  CanonicalResponse,
  CanonicalUsage,
  StreamPart,
  WireFormat,
} from "./canonical.ts";
import type { EmbeddingCodec } from "./embeddings.ts";
import type { ErrorFields } from "./openai/error.ts";
import type { SseEvent } from "./sse.ts";
import type { PartsDecoder, PartsEncoder } from "./stream_pipeline.ts";
import type { TemperatureZeroMode } from "./temperature.ts";

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
  /**
   * `body` with every output limit above `ceiling` lowered to it, or null when nothing was above it
   * (so a refusal that resending would not cure is passed on as it is).
   */
  clampOutputTokens(body: Record<string, unknown>, ceiling: number): Record<string, unknown> | null;
  /** `body` with `temperature: 0` kept, removed or raised to 1 (`OVERRIDE_TEMPERATURE_ZERO`). */
  overrideTemperatureZero(body: Record<string, unknown>, mode: TemperatureZeroMode): Record<string, unknown>;
  /** How this format asks for embeddings and reads them, when it has embeddings. */
  readonly embeddings?: EmbeddingCodec;
}

/** What the proxy needs of a format clients speak to it (and, as every such format, providers speak). */
export interface FormatCodec extends ProviderCodec {
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
