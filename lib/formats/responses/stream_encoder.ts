/**
 * Canonical stream parts → a Responses API event stream, in the order OpenAI documents and clients rely on:
 * `response.created` first (the `openai` SDK's stream helper needs it), `response.in_progress`, then per
 * output item `output_item.added` → (`content_part.added` → `output_text.delta`… → `output_text.done` →
 * `content_part.done` | `reasoning_summary_part.added` → `reasoning_summary_text.delta`… → `….done` |
 * `function_call_arguments.delta`… → `.done`) → `output_item.done`, and one terminal event:
 * `response.completed`, `response.incomplete` (truncated) or `response.failed`. Every event carries its
 * `sequence_number`. Codex CLI drops deltas of an item it was not told about, loses a call without its
 * `output_item.done`, and retries the whole turn when the terminal event is missing: all three always come.
 * The state is a small object with pure step functions; the `TransformStream` only threads it through.
 * https://platform.openai.com/docs/api-reference/responses-streaming
 */
import type { CanonicalUsage, FinishInfo, StreamPart } from "../canonical.ts";
import { emptyUsage, mergeUsage } from "../canonical.ts";
import type { ErrorFields } from "../openai/error.ts";
import type { Json } from "../json_values.ts";
import { responsesErrorCode, responsesEvent } from "./error.ts";
import {
  functionCallItem,
  messageItem,
  outputTextPart,
  reasoningItem,
  type ResponseEcho,
  responseObject,
  statusOfFinish,
} from "./response.ts";
import type { PartsEncoder } from "../stream_pipeline.ts";
import type { NamespaceNames } from "./tool_names.ts";

/** An output item that was added and is not done yet. */
type OpenItem =
  | { kind: "message"; outputIndex: number; id: string; text: string }
  | { kind: "reasoning"; outputIndex: number; id: string; text: string }
  | {
    kind: "call";
    outputIndex: number;
    id: string;
    callId: string;
    name: string;
    args: string;
    index: number;
  };

/** What the encoder remembers between canonical parts. */
export interface ResponsesEncoderState {
  /** The response id (`resp_…`); item ids share its stem. */
  id: string;
  stem: string;
  /** How many item ids were handed out. */
  items: number;
  model: string;
  createdAt: number;
  echo: ResponseEcho;
  namespaces: NamespaceNames;
  /** The `sequence_number` of the next event. */
  sequence: number;
  /** `response.created` was sent. */
  started: boolean;
  /** Output items in order: the done version of closed ones, the added version of open ones. */
  output: readonly Json[];
  open: readonly OpenItem[];
  usage: CanonicalUsage;
  finish: FinishInfo | null;
  /** The stream ended (`response.failed` sent, or the terminal event): nothing more may follow. */
  ended: boolean;
}

/** Options of {@link initialResponsesEncoderState}. */
export interface ResponsesEncoderOptions {
  /** The model name the client used. */
  model: string;
  /** Request fields the response objects repeat. @default {} */
  echo?: ResponseEcho;
  /** Flat names of namespace functions → the client's names. @default none */
  namespaces?: NamespaceNames;
  /** @default now */
  createdAt?: number;
}

/** The encoder state before the first part. */
export function initialResponsesEncoderState(options: ResponsesEncoderOptions): ResponsesEncoderState {
  const { model, echo = {}, namespaces = new Map(), createdAt = Math.floor(Date.now() / 1000) } = options;
  const stem = crypto.randomUUID().replaceAll("-", "");
  return {
    id: `resp_${stem}`,
    stem,
    items: 0,
    model,
    createdAt,
    echo,
    namespaces,
    sequence: 0,
    started: false,
    output: [],
    open: [],
    usage: emptyUsage(),
    finish: null,
    ended: false,
  };
}

/** One canonical part → the SSE text it becomes and the next encoder state. */
export function encodeResponsesPart(
  state: ResponsesEncoderState,
  part: StreamPart,
): { state: ResponsesEncoderState; events: string[] } {
  if (state.ended) return { state, events: [] };
  const next: ResponsesEncoderState = { ...state };
  const events: string[] = [];
  if (!next.started) start(next, events);
  switch (part.type) {
    case "start":
      if (part.usage) next.usage = mergeUsage({ ...next.usage }, part.usage);
      break;
    case "text-delta": {
      if (part.text === "") break;
      const item = openMessage(next, events);
      // The most frequent event, written directly (the same text `emit` would write).
      events.push(
        `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"${item.id}",` +
          `"output_index":${item.outputIndex},"content_index":0,"delta":${JSON.stringify(part.text)},` +
          `"logprobs":[],"sequence_number":${next.sequence}}\n\n`,
      );
      next.sequence += 1;
      replaceOpen(next, { ...item, text: item.text + part.text });
      break;
    }
    case "reasoning-delta": {
      if (part.text === "") break;
      const item = openReasoning(next, events);
      emit(next, events, {
        type: "response.reasoning_summary_text.delta",
        item_id: item.id,
        output_index: item.outputIndex,
        summary_index: 0,
        delta: part.text,
      });
      replaceOpen(next, { ...item, text: item.text + part.text });
      break;
    }
    case "reasoning-signature": {
      const current = next.open.find((item) => item.kind === "reasoning");
      if (current && !part.standalone) {
        closeItem(next, events, current, { signature: part.signature });
        break;
      }
      closeAll(next, events);
      const item = addItem(next, events, "reasoning", { text: "" });
      closeItem(next, events, item, { signature: part.signature });
      break;
    }
    case "redacted-reasoning": {
      closeAll(next, events);
      const item = addItem(next, events, "reasoning", { text: "" });
      closeItem(next, events, item, { redacted: part.data });
      break;
    }
    case "tool-call-start": {
      closeAll(next, events, { keepCalls: true });
      addItem(next, events, "call", { callId: part.id, name: part.name, index: part.index });
      break;
    }
    case "tool-call-delta": {
      const item = next.open.find((open) => open.kind === "call" && open.index === part.index);
      if (item?.kind !== "call" || part.argumentsDelta === "") break;
      emit(next, events, {
        type: "response.function_call_arguments.delta",
        item_id: item.id,
        output_index: item.outputIndex,
        delta: part.argumentsDelta,
      });
      replaceOpen(next, { ...item, args: item.args + part.argumentsDelta });
      break;
    }
    case "usage":
      next.usage = mergeUsage({ ...next.usage }, part.usage);
      break;
    case "finish":
      closeAll(next, events);
      next.finish ??= part.finish;
      break;
    case "error":
      events.push(...failResponsesStream(next, {
        kind: part.kind ?? "api_error",
        message: part.message,
        code: part.errorType ?? null,
      }));
      break;
  }
  return { state: next, events };
}

/**
 * The events that end a stream that broke: `response.failed` with the output so far. Marks `state` ended
 * (`state` is the caller's own copy).
 */
export function failResponsesStream(state: ResponsesEncoderState, fields: ErrorFields): string[] {
  if (state.ended) return [];
  const events: string[] = [];
  if (!state.started) start(state, events);
  const error = { code: responsesErrorCode(fields), message: fields.message };
  const response = responseObject({ ...snapshot(state), status: "failed", error }, state.echo);
  emit(state, events, { type: "response.failed", response });
  state.ended = true;
  return events;
}

/** The events that close the stream: the terminal event, or `response.failed` when the answer was cut. */
export function endResponsesStream(state: ResponsesEncoderState): string[] {
  return closeResponsesStream(state).events;
}

/** The closing events, and the whole response when it completed (or was truncated) rather than failed. */
function closeResponsesStream(state: ResponsesEncoderState): { events: string[]; response: Json | null } {
  if (state.ended) return { events: [], response: null };
  const next = { ...state };
  if (next.finish === null) {
    const events = failResponsesStream(next, {
      kind: "api_error",
      message: "the upstream stream ended before the response was complete",
      code: "server_error",
    });
    return { events, response: null };
  }
  const events: string[] = [];
  closeAll(next, events);
  const { status, reason } = statusOfFinish(next.finish);
  const response = responseObject({ ...snapshot(next), status, incompleteReason: reason }, next.echo);
  emit(next, events, {
    type: status === "completed" ? "response.completed" : "response.incomplete",
    response,
  });
  return { events, response };
}

/** Options of {@link partsToResponsesEvents} and {@link responsesPartsEncoder}. */
export interface ResponsesStreamOptions extends ResponsesEncoderOptions {
  /** Sees every state (to fail the stream from outside when its source breaks). */
  onState?: (state: ResponsesEncoderState) => void;
  /** Receives the whole response before its terminal event goes out (to keep it). */
  onResponse?: (response: Json) => Promise<void>;
}

/** Canonical parts → Responses SSE text. */
export function partsToResponsesEvents(options: ResponsesStreamOptions): TransformStream<StreamPart, string> {
  const step = responsesPartsEncoder(options);
  return new TransformStream({
    transform(part, controller) {
      for (const event of step.push(part)) controller.enqueue(event);
    },
    async flush(controller) {
      const events = step.end();
      await step.settled();
      for (const event of events) controller.enqueue(event);
    },
  });
}

/**
 * The step form of {@link partsToResponsesEvents}: one synchronous call per part. `end()` writes the
 * terminal event and hands the whole response to `onResponse`; `settled()` resolves once it is kept, and
 * the caller holds the terminal event back until then (a client's follow-up may name the response the
 * moment it reads `response.completed`). Only the end waits: no part is made async.
 */
export function responsesPartsEncoder(
  options: ResponsesStreamOptions,
): PartsEncoder & { settled(): Promise<void> } {
  const { onState, onResponse } = options;
  let state = initialResponsesEncoderState(options);
  let keeping: Promise<void> | null = null;
  onState?.(state);
  return {
    push(part) {
      const step = encodeResponsesPart(state, part);
      state = step.state;
      onState?.(state);
      return step.events;
    },
    end() {
      const { events, response } = closeResponsesStream(state);
      // Nothing may follow the terminal event, not even a failure the relay would write.
      state = { ...state, ended: true };
      onState?.(state);
      if (response !== null && onResponse) keeping = onResponse(response);
      return events;
    },
    settled: () => keeping ?? Promise.resolve(),
  };
}

function snapshot(state: ResponsesEncoderState) {
  const { id, createdAt, model, output, usage } = state;
  return { id, createdAt, model, output: [...output], usage, status: "in_progress" as const };
}

function start(state: ResponsesEncoderState, events: string[]): void {
  state.started = true;
  const response = responseObject({ ...snapshot(state), usage: null }, state.echo);
  emit(state, events, { type: "response.created", response });
  emit(state, events, { type: "response.in_progress", response });
}

function emit(state: ResponsesEncoderState, events: string[], data: Json & { type: string }): void {
  events.push(responsesEvent({ ...data, sequence_number: state.sequence }));
  state.sequence += 1;
}

function itemId(state: ResponsesEncoderState, prefix: string): string {
  const id = `${prefix}_${state.stem}${state.items.toString(16).padStart(4, "0")}`;
  state.items += 1;
  return id;
}

function openMessage(state: ResponsesEncoderState, events: string[]): Extract<OpenItem, { kind: "message" }> {
  const current = state.open.find((item) => item.kind === "message");
  if (current?.kind === "message") return current;
  closeAll(state, events);
  const item = addItem(state, events, "message", {});
  return item as Extract<OpenItem, { kind: "message" }>;
}

function openReasoning(
  state: ResponsesEncoderState,
  events: string[],
): Extract<OpenItem, { kind: "reasoning" }> {
  const current = state.open.find((item) => item.kind === "reasoning");
  if (current?.kind === "reasoning") return current;
  closeAll(state, events);
  const item = addItem(state, events, "reasoning", { text: "" });
  emit(state, events, {
    type: "response.reasoning_summary_part.added",
    item_id: item.id,
    output_index: item.outputIndex,
    summary_index: 0,
    part: { type: "summary_text", text: "" },
  });
  return item as Extract<OpenItem, { kind: "reasoning" }>;
}

/** Add an output item: `output_item.added` (and the message's `content_part.added`). */
function addItem(
  state: ResponsesEncoderState,
  events: string[],
  kind: OpenItem["kind"],
  fields: { text?: string; callId?: string; name?: string; index?: number },
): OpenItem {
  const outputIndex = state.output.length;
  let item: OpenItem;
  let added: Json;
  if (kind === "message") {
    item = { kind, outputIndex, id: itemId(state, "msg"), text: "" };
    added = messageItem(item.id, { text: "", status: "in_progress" });
  } else if (kind === "reasoning") {
    item = { kind, outputIndex, id: itemId(state, "rs"), text: "" };
    added = { id: item.id, type: "reasoning", summary: [] };
  } else {
    const { callId = "", name = "", index = 0 } = fields;
    item = { kind, outputIndex, id: itemId(state, "fc"), callId, name, args: "", index };
    added = functionCallItem(
      item.id,
      { callId, name, arguments: "", status: "in_progress" },
      state.namespaces,
    );
  }
  state.output = [...state.output, added];
  state.open = [...state.open, item];
  emit(state, events, { type: "response.output_item.added", output_index: outputIndex, item: added });
  if (kind === "message") {
    emit(state, events, {
      type: "response.content_part.added",
      item_id: item.id,
      output_index: outputIndex,
      content_index: 0,
      part: outputTextPart(""),
    });
  }
  return item;
}

function replaceOpen(state: ResponsesEncoderState, item: OpenItem): void {
  state.open = state.open.map((open) => open.outputIndex === item.outputIndex ? item : open);
}

function closeAll(
  state: ResponsesEncoderState,
  events: string[],
  options: { keepCalls?: boolean } = {},
): void {
  for (const item of state.open) {
    if (options.keepCalls && item.kind === "call") continue;
    closeItem(state, events, item, {});
  }
}

/** Close an open item: its `….done` events and `output_item.done` with the whole item. */
function closeItem(
  state: ResponsesEncoderState,
  events: string[],
  item: OpenItem,
  carried: { signature?: string; redacted?: string },
): void {
  const base = { item_id: item.id, output_index: item.outputIndex };
  let done: Json;
  if (item.kind === "message") {
    emit(state, events, {
      type: "response.output_text.done",
      ...base,
      content_index: 0,
      text: item.text,
      logprobs: [],
    });
    emit(state, events, {
      type: "response.content_part.done",
      ...base,
      content_index: 0,
      part: outputTextPart(item.text),
    });
    done = messageItem(item.id, { text: item.text, status: "completed" });
  } else if (item.kind === "reasoning") {
    if (item.text !== "") {
      emit(state, events, {
        type: "response.reasoning_summary_text.done",
        ...base,
        summary_index: 0,
        text: item.text,
      });
      emit(state, events, {
        type: "response.reasoning_summary_part.done",
        ...base,
        summary_index: 0,
        part: { type: "summary_text", text: item.text },
      });
    }
    done = reasoningItem(item.id, { text: item.text, ...carried });
  } else {
    // A call without arguments (Anthropic streams `input: {}` as no delta at all) still needs valid JSON.
    const args = item.args === "" ? "{}" : item.args;
    emit(state, events, { type: "response.function_call_arguments.done", ...base, arguments: args });
    done = functionCallItem(
      item.id,
      { callId: item.callId, name: item.name, arguments: args, status: "completed" },
      state.namespaces,
    );
  }
  emit(state, events, { type: "response.output_item.done", output_index: item.outputIndex, item: done });
  state.output = state.output.map((existing, index) => index === item.outputIndex ? done : existing);
  state.open = state.open.filter((open) => open.outputIndex !== item.outputIndex);
}
