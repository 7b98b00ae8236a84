/**
 * A Responses API event stream from an upstream → canonical stream parts, for clients of other formats.
 * Function calls are told apart by their `output_index`; reasoning summaries become reasoning text and
 * `encrypted_content` its signature (valid only at a Responses upstream). The state is a small object with
 * pure step functions; the `TransformStream` only threads it through.
 * https://platform.openai.com/docs/api-reference/responses-streaming
 */
import type { StreamPart } from "../canonical.ts";
import { markSignature } from "../canonical.ts";
import { isRecord, type Json } from "../json_values.ts";
import type { SseEvent } from "../sse.ts";
import { type PartsDecoder, statefulStep } from "../stream_pipeline.ts";
import { openAIErrorKind } from "../openai/error.ts";
import { finishOfResponse } from "./response.ts";
import { usageFromResponses } from "./usage.ts";

/** What the decoder remembers between upstream events. */
export interface ResponsesDecoderState {
  started: boolean;
  /** A terminal event or an error arrived: later events are ignored. */
  ended: boolean;
  /** Output indexes of the function calls whose start was emitted. */
  calls: readonly number[];
  /** Output indexes of calls whose arguments arrived as deltas. */
  callsWithArguments: readonly number[];
  /** Output indexes of reasoning items whose text was emitted. */
  reasoningWithText: readonly number[];
  /** The model refused (a `refusal` part), so a normal end is a refusal. */
  refused: boolean;
}

/** The decoder state before the first event. */
export function initialResponsesDecoderState(): ResponsesDecoderState {
  return {
    started: false,
    ended: false,
    calls: [],
    callsWithArguments: [],
    reasoningWithText: [],
    refused: false,
  };
}

/** One upstream SSE event → the canonical parts it yields and the next decoder state. */
export function decodeResponsesEvent(
  state: ResponsesDecoderState,
  event: SseEvent,
): { state: ResponsesDecoderState; parts: StreamPart[] } {
  if (state.ended || event.data.trim() === "[DONE]") return { state, parts: [] };
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    const message = `The upstream sent data that is not JSON: ${event.data.slice(0, 200)}`;
    return { state: { ...state, ended: true }, parts: [{ type: "error", message }] };
  }
  if (!isRecord(data)) return { state, parts: [] };
  const next: ResponsesDecoderState = { ...state };
  const parts: StreamPart[] = [];
  const type = typeof data.type === "string" ? data.type : event.event ?? "";
  const response = isRecord(data.response) ? data.response : {};
  if (!next.started && type !== "error") {
    next.started = true;
    const id = typeof response.id === "string" ? response.id : "";
    parts.push({ type: "start", id, model: typeof response.model === "string" ? response.model : "" });
  }
  const outputIndex = typeof data.output_index === "number" ? data.output_index : 0;
  const item = isRecord(data.item) ? data.item : {};
  switch (type) {
    case "response.output_item.added":
      if (item.type === "function_call" && !next.calls.includes(outputIndex)) {
        next.calls = [...next.calls, outputIndex];
        const id = typeof item.call_id === "string" ? item.call_id : "";
        parts.push({ type: "tool-call-start", index: outputIndex, id, name: String(item.name ?? "") });
      }
      break;
    case "response.output_text.delta":
      if (typeof data.delta === "string" && data.delta !== "") {
        parts.push({ type: "text-delta", text: data.delta });
      }
      break;
    case "response.refusal.delta":
      next.refused = true;
      if (typeof data.delta === "string" && data.delta !== "") {
        parts.push({ type: "text-delta", text: data.delta });
      }
      break;
    case "response.reasoning_summary_text.delta":
    case "response.reasoning_text.delta": {
      if (typeof data.delta !== "string" || data.delta === "") break;
      if (!next.reasoningWithText.includes(outputIndex)) {
        next.reasoningWithText = [...next.reasoningWithText, outputIndex];
      }
      parts.push({ type: "reasoning-delta", text: data.delta });
      break;
    }
    case "response.reasoning_summary_part.added":
      // Summary parts are paragraphs of their own.
      if (typeof data.summary_index === "number" && data.summary_index > 0) {
        parts.push({ type: "reasoning-delta", text: "\n\n" });
      }
      break;
    case "response.function_call_arguments.delta":
      if (typeof data.delta === "string" && data.delta !== "" && next.calls.includes(outputIndex)) {
        if (!next.callsWithArguments.includes(outputIndex)) {
          next.callsWithArguments = [...next.callsWithArguments, outputIndex];
        }
        parts.push({ type: "tool-call-delta", index: outputIndex, argumentsDelta: data.delta });
      }
      break;
    case "response.output_item.done":
      parts.push(...itemDone(next, item, outputIndex));
      break;
    case "response.completed":
    case "response.incomplete": {
      next.ended = true;
      const usage = usageFromResponses(response.usage);
      if (usage) parts.push({ type: "usage", usage });
      const seen = { hasCalls: next.calls.length > 0, refused: next.refused };
      parts.push({ type: "finish", finish: finishOfResponse(response, seen) });
      break;
    }
    case "response.failed":
      next.ended = true;
      parts.push(errorPart(isRecord(response.error) ? response.error : {}));
      break;
    case "error":
      next.ended = true;
      parts.push(errorPart(isRecord(data.error) ? data.error : data));
      break;
  }
  return { state: next, parts };
}

/** What an `output_item.done` adds: the arguments of a call that came whole, a reasoning signature. */
function itemDone(state: ResponsesDecoderState, item: Json, outputIndex: number): StreamPart[] {
  if (item.type === "function_call") {
    const parts: StreamPart[] = [];
    if (!state.calls.includes(outputIndex)) {
      state.calls = [...state.calls, outputIndex];
      const id = typeof item.call_id === "string" ? item.call_id : "";
      parts.push({ type: "tool-call-start", index: outputIndex, id, name: String(item.name ?? "") });
    }
    const args = typeof item.arguments === "string" ? item.arguments : "";
    if (!state.callsWithArguments.includes(outputIndex) && args !== "") {
      parts.push({ type: "tool-call-delta", index: outputIndex, argumentsDelta: args });
    }
    return parts;
  }
  if (
    item.type === "reasoning" && typeof item.encrypted_content === "string" && item.encrypted_content !== ""
  ) {
    const standalone = !state.reasoningWithText.includes(outputIndex);
    return [{
      type: "reasoning-signature",
      signature: markSignature("responses", item.encrypted_content),
      ...(standalone ? { standalone } : {}),
    }];
  }
  return [];
}

/** An error of a Responses stream (`response.error`, or an `error` event) → an error part. */
function errorPart(error: Json): StreamPart {
  const message = typeof error.message === "string" ? error.message : JSON.stringify(error);
  const code = typeof error.code === "string" ? error.code : undefined;
  const type = typeof error.type === "string" ? error.type : undefined;
  const errorType = code ?? type;
  if (errorType === undefined) return { type: "error", message };
  return { type: "error", message, kind: openAIErrorKind(type, code), errorType };
}

/** Upstream Responses SSE events → canonical parts. */
export function responsesEventsToParts(): TransformStream<SseEvent, StreamPart> {
  let state = initialResponsesDecoderState();
  return new TransformStream({
    transform(event, controller) {
      const step = decodeResponsesEvent(state, event);
      state = step.state;
      for (const part of step.parts) controller.enqueue(part);
    },
  });
}

/** The step form of {@link responsesEventsToParts}. */
export function responsesPartsDecoder(): PartsDecoder {
  return statefulStep(initialResponsesDecoderState(), (state, event: SseEvent) => {
    const step = decodeResponsesEvent(state, event);
    return { state: step.state, outputs: step.parts };
  });
}
