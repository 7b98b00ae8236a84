/**
 * OpenAI `chat.completion.chunk` streams ↔ canonical stream parts. The state of each direction is a
 * small object with pure step functions; the `TransformStream`s only thread it through.
 * https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
import type { CanonicalUsage, StreamPart } from "../canonical.ts";
import { emptyUsage, mergeUsage } from "../canonical.ts";
import { encodeSseEvent, type SseEvent } from "../sse.ts";
import { type PartsDecoder, type PartsEncoder, statefulStep } from "../stream_pipeline.ts";
import { openAIErrorKind, openAIStreamErrorEvent } from "./error.ts";
import { finishFromOpenAI, finishToOpenAI } from "./finish_reason.ts";
import { fallbackCallIdPrefix, openAICompletionId, usageToOpenAI } from "./response.ts";
import { usageFromOpenAI } from "./usage.ts";

import { isRecord, type Json } from "../json_values.ts";

/** What the decoder remembers between upstream chunks. */
export interface OpenAIDecoderState {
  /** `start` was emitted. */
  started: boolean;
  /** `[DONE]` or an error arrived: later events are ignored. */
  ended: boolean;
  /** A `finish` was emitted. */
  finished: boolean;
  /** The model sent `refusal` deltas, so a normal stop is a refusal. */
  refused: boolean;
  /** Indexes of the tool calls whose `tool-call-start` was emitted. */
  toolCalls: readonly number[];
  /** Stands in for the ids of calls the upstream sent without one (unique per answer: see `fallbackCallId`). */
  callIdPrefix: string;
}

/** The decoder state before the first chunk. */
export function initialOpenAIDecoderState(): OpenAIDecoderState {
  return {
    started: false,
    ended: false,
    finished: false,
    refused: false,
    toolCalls: [],
    callIdPrefix: fallbackCallIdPrefix(),
  };
}

/** One upstream SSE event → the canonical parts it yields and the next decoder state. */
export function decodeOpenAIEvent(
  state: OpenAIDecoderState,
  event: SseEvent,
): { state: OpenAIDecoderState; parts: StreamPart[] } {
  if (state.ended) return { state, parts: [] };
  if (event.data.trim() === "[DONE]") return { state: { ...state, ended: true }, parts: [] };
  let chunk: unknown;
  try {
    chunk = JSON.parse(event.data);
  } catch {
    const message = `The upstream sent data that is not JSON: ${event.data.slice(0, 200)}`;
    return { state: { ...state, ended: true }, parts: [{ type: "error", message }] };
  }
  if (!isRecord(chunk)) return { state, parts: [] };
  if (chunk.error !== undefined && chunk.error !== null) {
    return { state: { ...state, ended: true }, parts: [errorPart(chunk.error)] };
  }
  const next: OpenAIDecoderState = { ...state };
  const parts: StreamPart[] = [];
  if (!next.started) {
    next.started = true;
    parts.push({ type: "start", id: stringOr(chunk.id, ""), model: stringOr(chunk.model, "") });
  }
  const choices = Array.isArray(chunk.choices) ? chunk.choices.filter(isRecord) : [];
  // One choice is all the canonical form holds (`n` > 1 is not translated).
  const choice = choices.find((candidate) => (candidate.index ?? 0) === 0);
  if (choice) parts.push(...decodeChoice(next, choice));
  const usage = usageFromOpenAI(chunk);
  if (usage) parts.push({ type: "usage", usage });
  return { state: next, parts };
}

/** The parts of one choice's delta; updates `state` (a fresh copy owned by the caller). */
function decodeChoice(state: OpenAIDecoderState, choice: Json): StreamPart[] {
  const parts: StreamPart[] = [];
  const delta = isRecord(choice.delta) ? choice.delta : {};
  // DeepSeek and vLLM name it `reasoning_content`, OpenRouter and Ollama `reasoning`.
  const reasoning = delta.reasoning_content ?? delta.reasoning;
  if (typeof reasoning === "string" && reasoning !== "") {
    parts.push({ type: "reasoning-delta", text: reasoning });
  }
  if (typeof delta.content === "string" && delta.content !== "") {
    parts.push({ type: "text-delta", text: delta.content });
  }
  if (typeof delta.refusal === "string" && delta.refusal !== "") {
    state.refused = true;
    parts.push({ type: "text-delta", text: delta.refusal });
  }
  const calls: unknown[] = Array.isArray(delta.tool_calls) ? [...delta.tool_calls] : [];
  // The legacy `function_call` delta is one call without an id.
  if (isRecord(delta.function_call)) calls.push({ index: 0, function: delta.function_call });
  calls.forEach((call, position) => {
    if (!isRecord(call)) return;
    const index = typeof call.index === "number" ? call.index : position;
    const definition = isRecord(call.function) ? call.function : {};
    const hasHeader = typeof call.id === "string" || typeof definition.name === "string";
    if (hasHeader && !state.toolCalls.includes(index)) {
      state.toolCalls = [...state.toolCalls, index];
      const id = stringOr(call.id, "") || `${state.callIdPrefix}${index}`;
      parts.push({ type: "tool-call-start", index, id, name: stringOr(definition.name, "") });
    }
    if (typeof definition.arguments === "string" && definition.arguments !== "") {
      parts.push({ type: "tool-call-delta", index, argumentsDelta: definition.arguments });
    }
  });
  if (typeof choice.finish_reason === "string" && !state.finished) {
    state.finished = true;
    const raw = choice.finish_reason;
    const refusal = state.refused && (raw === "stop" || raw === "content_filter");
    let finish = refusal ? { unified: "refusal" as const, raw } : finishFromOpenAI(raw);
    // OpenAI answers "stop" when tool_choice named the function; the model did call a tool.
    if (raw === "stop" && !refusal && state.toolCalls.length > 0) finish = { unified: "tool-calls", raw };
    parts.push({ type: "finish", finish });
  }
  return parts;
}

/** An in-stream `error` object → an error part: its kind, and its `type` (else `code`) as sent. */
function errorPart(error: unknown): StreamPart {
  if (!isRecord(error)) {
    return { type: "error", message: typeof error === "string" ? error : JSON.stringify(error) };
  }
  const message = typeof error.message === "string" ? error.message : JSON.stringify(error);
  const type = typeof error.type === "string" ? error.type : undefined;
  const code = typeof error.code === "string" ? error.code : undefined;
  const errorType = type ?? code;
  if (errorType === undefined) return { type: "error", message };
  return { type: "error", message, kind: openAIErrorKind(type, code), errorType };
}

/** Upstream OpenAI SSE events → canonical parts. */
export function openAIChunksToParts(): TransformStream<SseEvent, StreamPart> {
  let state = initialOpenAIDecoderState();
  return new TransformStream({
    transform(event, controller) {
      const step = decodeOpenAIEvent(state, event);
      state = step.state;
      for (const part of step.parts) controller.enqueue(part);
    },
  });
}

/** {@link openAIChunksToParts} as a synchronous step. */
export function openAIPartsDecoder(): PartsDecoder {
  return statefulStep(initialOpenAIDecoderState(), (state, event: SseEvent) => {
    const step = decodeOpenAIEvent(state, event);
    return { state: step.state, outputs: step.parts };
  });
}

/** What the encoder remembers between canonical parts. */
export interface OpenAIEncoderState {
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
  /** The first chunk (role "assistant") was sent. */
  started: boolean;
  /** A finish chunk was sent. */
  finished: boolean;
  /** An error was sent: nothing more may follow, not even `[DONE]`. */
  failed: boolean;
  usage: CanonicalUsage;
  /** Canonical tool-call index → OpenAI `tool_calls[].index` (0, 1, … in order of appearance). */
  toolIndexes: Readonly<Record<number, number>>;
  /** OpenAI indexes of calls whose arguments have not started yet. */
  toolsWithoutArguments: readonly number[];
}

/** The encoder state before the first part; `id` defaults to a fresh `chatcmpl-…` id. */
export function initialOpenAIEncoderState(
  options: { model: string; includeUsage: boolean; created?: number; id?: string },
): OpenAIEncoderState {
  const {
    model,
    includeUsage,
    created = Math.floor(Date.now() / 1000),
    id = `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
  } = options;
  const base = {
    started: false,
    finished: false,
    failed: false,
    usage: emptyUsage(),
    toolIndexes: {},
    toolsWithoutArguments: [],
  };
  return { id, model, created, includeUsage, ...base };
}

/** One canonical part → the SSE text it becomes and the next encoder state. */
export function encodeOpenAIPart(
  state: OpenAIEncoderState,
  part: StreamPart,
): { state: OpenAIEncoderState; events: string[] } {
  if (state.failed) return { state, events: [] };
  const next: OpenAIEncoderState = { ...state };
  const events: string[] = [];
  if (part.type === "start") {
    if (part.id !== "" && !state.started) next.id = openAICompletionId(part.id);
    if (part.usage) next.usage = mergeUsage({ ...next.usage }, part.usage);
  }
  if (part.type === "error") {
    next.failed = true;
    // The upstream's own type stays readable as the `code` (e.g. Anthropic's "overloaded_error").
    const fields = { kind: part.kind ?? "api_error", message: part.message, code: part.errorType ?? null };
    return { state: next, events: [openAIStreamErrorEvent(fields)] };
  }
  if (!next.started) {
    next.started = true;
    events.push(chunkEvent(next, { role: "assistant", content: "" }));
  }
  switch (part.type) {
    case "text-delta":
      if (part.text !== "") events.push(chunkEvent(next, { content: part.text }));
      break;
    case "reasoning-delta":
      if (part.text !== "") events.push(chunkEvent(next, { reasoning_content: part.text }));
      break;
    case "tool-call-start": {
      const index = Object.keys(next.toolIndexes).length;
      next.toolIndexes = { ...next.toolIndexes, [part.index]: index };
      next.toolsWithoutArguments = [...next.toolsWithoutArguments, index];
      const call = { index, id: part.id, type: "function", function: { name: part.name, arguments: "" } };
      events.push(chunkEvent(next, { tool_calls: [call] }));
      break;
    }
    case "tool-call-delta": {
      const index = next.toolIndexes[part.index] ?? part.index;
      const call = { index, function: { arguments: part.argumentsDelta } };
      if (part.argumentsDelta !== "") {
        events.push(chunkEvent(next, { tool_calls: [call] }));
        next.toolsWithoutArguments = next.toolsWithoutArguments.filter((waiting) => waiting !== index);
      }
      break;
    }
    case "usage":
      next.usage = mergeUsage({ ...next.usage }, part.usage);
      break;
    case "finish":
      // A call without arguments (Anthropic streams `input: {}` as no delta at all) still needs valid
      // JSON: clients parse `arguments`, and "" is not JSON.
      for (const index of next.toolsWithoutArguments) {
        events.push(chunkEvent(next, { tool_calls: [{ index, function: { arguments: "{}" } }] }));
      }
      next.toolsWithoutArguments = [];
      if (!next.finished) events.push(chunkEvent(next, {}, finishToOpenAI(part.finish)));
      next.finished = true;
      break;
  }
  return { state: next, events };
}

/** The SSE text that closes the stream: the usage chunk (when asked for) and `[DONE]`. */
export function endOpenAIStream(state: OpenAIEncoderState): string[] {
  if (state.failed) return [];
  // A stream that ends without a finish was cut off upstream: say so rather than end it as a success.
  if (!state.finished) {
    return [openAIStreamErrorEvent({
      kind: "api_error",
      message: "the upstream stream ended before the response was complete",
      code: "stream_incomplete",
    })];
  }
  const events: string[] = [];
  if (state.includeUsage) {
    const { id, created, model } = state;
    const chunk = {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [],
      usage: usageToOpenAI(state.usage),
    };
    events.push(encodeSseEvent({ data: JSON.stringify(chunk) }));
  }
  events.push(encodeSseEvent({ data: "[DONE]" }));
  return events;
}

/** One `chat.completion.chunk` event; with `include_usage`, every chunk but the last has `usage: null`. */
function chunkEvent(state: OpenAIEncoderState, delta: Json, finishReason: string | null = null): string {
  const { id, created, model } = state;
  const choice = { index: 0, delta, logprobs: null, finish_reason: finishReason };
  const chunk: Json = { id, object: "chat.completion.chunk", created, model, choices: [choice] };
  if (state.includeUsage) chunk.usage = null;
  return encodeSseEvent({ data: JSON.stringify(chunk) });
}

/** Canonical parts → OpenAI chat.completion.chunk SSE text, ending with `data: [DONE]` unless an error was sent. */
export function partsToOpenAIChunks(
  options: { model: string; includeUsage: boolean; created?: number },
): TransformStream<StreamPart, string> {
  let state = initialOpenAIEncoderState(options);
  return new TransformStream({
    transform(part, controller) {
      const step = encodeOpenAIPart(state, part);
      state = step.state;
      for (const event of step.events) controller.enqueue(event);
    },
    flush(controller) {
      for (const event of endOpenAIStream(state)) controller.enqueue(event);
    },
  });
}

/** {@link partsToOpenAIChunks} as a synchronous step. */
export function openAIPartsEncoder(
  options: { model: string; includeUsage: boolean; created?: number },
): PartsEncoder {
  return statefulStep(initialOpenAIEncoderState(options), (state, part: StreamPart) => {
    const step = encodeOpenAIPart(state, part);
    return { state: step.state, outputs: step.events };
  }, endOpenAIStream);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}
