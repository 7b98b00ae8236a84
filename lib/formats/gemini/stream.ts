/**
 * Gemini `streamGenerateContent?alt=sse` streams → canonical stream parts. Every `data:` event is a
 * whole `GenerateContentResponse` holding the next pieces of the candidate; there is no `[DONE]`.
 * Function calls arrive whole, one part each; `usageMetadata` rides on every chunk (the last one is
 * final) and `finishReason` on the last. The decoder state is a small object with a pure step function.
 * https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
import type { ErrorKind } from "../../errors.ts";
import type { StreamPart } from "../canonical.ts";
import type { SseEvent } from "../sse.ts";
import { type PartsDecoder, statefulStep } from "../stream_pipeline.ts";
import { finishFailure, finishFromGemini } from "./finish_reason.ts";
import { partsFromGemini } from "./parts.ts";
import { callIdMaker, type GeminiReadOptions } from "./response.ts";
import { geminiErrorSchema, geminiResponseSchema } from "./schema.ts";
import { usageFromGemini } from "./usage.ts";

/** What the decoder remembers between chunks. */
export interface GeminiDecoderState {
  /** `start` was emitted. */
  started: boolean;
  /** An error arrived: later events are ignored. */
  ended: boolean;
  /** A `finish` was emitted. */
  finished: boolean;
  /** The response id (the first chunk's `responseId`), which names function calls sent without an id. */
  id: string;
  /** Function calls seen so far, which is also the index of the next one. */
  toolCalls: number;
}

/** The decoder state before the first chunk. */
export function initialGeminiDecoderState(): GeminiDecoderState {
  return { started: false, ended: false, finished: false, id: "", toolCalls: 0 };
}

/**
 * One upstream SSE event → the canonical parts it yields and the next decoder state. With
 * `options.tools`, function calls carry the client's tool names and arguments.
 */
export function decodeGeminiEvent(
  state: GeminiDecoderState,
  event: SseEvent,
  options: GeminiReadOptions = {},
): { state: GeminiDecoderState; parts: StreamPart[] } {
  const { tools } = options;
  if (state.ended || event.data.trim() === "") return { state, parts: [] };
  const fail = (part: StreamPart) => ({ state: { ...state, ended: true }, parts: [part] });
  let json: unknown;
  try {
    json = JSON.parse(event.data);
  } catch {
    return fail({
      type: "error",
      message: `The upstream sent data that is not JSON: ${event.data.slice(0, 200)}`,
    });
  }
  const failure = geminiErrorSchema.safeParse(json);
  if (failure.success) {
    const { message, status } = failure.data.error;
    const part: StreamPart = { type: "error", message: message ?? "The upstream reported an error" };
    return fail(
      typeof status === "string" ? { ...part, kind: googleStatusKind(status), errorType: status } : part,
    );
  }
  const parsed = geminiResponseSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0].path.join(".") || "body";
    return fail({ type: "error", message: `The upstream sent a malformed Gemini chunk (at ${where})` });
  }
  const chunk = parsed.data;
  const next: GeminiDecoderState = { ...state };
  const parts: StreamPart[] = [];
  const usage = usageFromGemini(chunk.usageMetadata);
  if (!next.started) {
    next.started = true;
    next.id = chunk.responseId || crypto.randomUUID().replaceAll("-", "");
    // The first chunk already counts the prompt: message_start reports it, as Anthropic's own does. Output
    // so far (thinking) is left to the usage parts: clients that add message_start's output to the final
    // count would count it twice.
    const { inputTokens, cacheReadTokens, cacheCreationTokens } = usage;
    const prompt = Object.fromEntries(
      Object.entries({ inputTokens, cacheReadTokens, cacheCreationTokens }).filter(([, value]) =>
        value !== undefined
      ),
    );
    const start: StreamPart = { type: "start", id: next.id, model: chunk.modelVersion ?? "" };
    parts.push(Object.keys(prompt).length > 0 ? { ...start, usage: prompt } : start);
  }
  // One candidate is all the canonical form holds (`candidateCount` > 1 is not translated).
  const candidate = chunk.candidates?.find((entry) => (entry.index ?? 0) === 0);
  const pieces = partsFromGemini(candidate?.content?.parts ?? [], {
    firstCall: next.toolCalls,
    callId: callIdMaker(next.id),
    tools,
  });
  for (const piece of pieces) {
    if (piece.type === "text") parts.push({ type: "text-delta", text: piece.text });
    else if (piece.type === "reasoning") {
      if (piece.text !== "") parts.push({ type: "reasoning-delta", text: piece.text });
      // A signature without thought text belongs to the part after it, not to the thought before it.
      if (piece.signature && piece.text === "") {
        parts.push({ type: "reasoning-signature", signature: piece.signature, standalone: true });
      } else if (piece.signature) parts.push({ type: "reasoning-signature", signature: piece.signature });
    } else if (piece.type === "tool-call") {
      const index = next.toolCalls++;
      parts.push({ type: "tool-call-start", index, id: piece.id, name: piece.name });
      parts.push({ type: "tool-call-delta", index, argumentsDelta: JSON.stringify(piece.input) });
    }
  }
  if (Object.keys(usage).length > 0) parts.push({ type: "usage", usage });
  if (!next.finished && candidate?.finishReason) {
    const finish = finishFromGemini(candidate.finishReason, next.toolCalls > 0);
    const failure = finishFailure(finish, candidate.finishMessage);
    // A failed candidate ends the stream with an error, never with a finish that reads as success. The
    // model wrote something unusable; the key answered fine.
    if (failure !== null) {
      const error: StreamPart = { type: "error", message: failure, blame: "model" };
      return { state: { ...next, ended: true }, parts: [...parts, error] };
    }
    next.finished = true;
    parts.push({ type: "finish", finish });
  } else if (!next.finished && candidate === undefined && chunk.promptFeedback?.blockReason) {
    // The prompt itself was blocked: no candidate at all.
    next.finished = true;
    parts.push({
      type: "finish",
      finish: { unified: "content-filter", raw: chunk.promptFeedback.blockReason },
    });
  }
  return { state: next, parts };
}

/**
 * What Google's RPC statuses mean, as the Gemini API documents them with their HTTP statuses
 * (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes, https://google.aip.dev/193).
 */
const GOOGLE_STATUS_KINDS: ReadonlyMap<string, ErrorKind> = new Map([
  ["INVALID_ARGUMENT", "invalid_request"],
  ["FAILED_PRECONDITION", "invalid_request"],
  ["UNAUTHENTICATED", "authentication"],
  ["PERMISSION_DENIED", "permission"],
  ["NOT_FOUND", "not_found"],
  ["RESOURCE_EXHAUSTED", "rate_limit"],
  ["UNAVAILABLE", "overloaded"],
  ["DEADLINE_EXCEEDED", "timeout"],
]);

/** The kind of an in-stream Gemini error by its `status` (`INTERNAL` and any other: api_error). */
function googleStatusKind(status: string): ErrorKind {
  return GOOGLE_STATUS_KINDS.get(status.toUpperCase()) ?? "api_error";
}

/** Gemini SSE chunks → canonical parts (see {@link GeminiReadOptions}). */
export function geminiChunksToParts(options: GeminiReadOptions = {}): TransformStream<SseEvent, StreamPart> {
  let state = initialGeminiDecoderState();
  return new TransformStream({
    transform(event, controller) {
      const step = decodeGeminiEvent(state, event, options);
      state = step.state;
      for (const part of step.parts) controller.enqueue(part);
    },
  });
}

/** {@link geminiChunksToParts} as a synchronous step. */
export function geminiPartsDecoder(options: GeminiReadOptions = {}): PartsDecoder {
  return statefulStep(initialGeminiDecoderState(), (state, event: SseEvent) => {
    const step = decodeGeminiEvent(state, event, options);
    return { state: step.state, outputs: step.parts };
  });
}
