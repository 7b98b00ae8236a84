/**
 * The encoder state machine behind `partsToAnthropicEvents`: canonical parts in, Anthropic stream events
 * out, in Anthropic's exact order. A small immutable state and pure update functions, tested alone.
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
import type { CanonicalUsage, FinishInfo, StreamPart } from "../canonical.ts";
import type { ErrorKind } from "../../errors.ts";
import { anthropicErrorBody } from "./error.ts";
import { finishToAnthropic } from "./finish_reason.ts";
import { anthropicMessageId } from "./response.ts";

type Json = Record<string, unknown>;

/** An Anthropic stream event as sent (its `type` is also the SSE event name). */
export type AnthropicStreamEvent = { type: string } & Json;

/** The block being streamed: text, thinking (signed once its signature came), one tool call, or redacted. */
export type OpenBlock =
  | { kind: "text" }
  | { kind: "thinking"; signed: boolean }
  | { kind: "tool"; toolIndex: number }
  | { kind: "redacted" };

/** What the encoder remembers between parts. */
export interface EncoderState {
  /** `idle` before `message_start`; `done` after `message_stop` or an error event. */
  readonly phase: "idle" | "streaming" | "done";
  readonly id: string;
  readonly model: string;
  /** How many blocks were started (the open block's index is one less). */
  readonly blockCount: number;
  readonly open: OpenBlock | null;
  readonly pinged: boolean;
  readonly usage: Partial<CanonicalUsage>;
  readonly finish: FinishInfo | null;
  /**
   * Tool calls gathered until they are complete. Upstreams may interleave the arguments of parallel
   * calls, and an Anthropic block cannot be reopened, so each call is sent whole (start, its complete
   * `input_json_delta`, stop) once something else begins or the message ends.
   */
  readonly pendingTools: ReadonlyArray<PendingTool>;
}

/** A tool call being gathered. */
export interface PendingTool {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly argumentsJson: string;
}

/** The next encoder state and the events to send. */
export type Step = { state: EncoderState; events: AnthropicStreamEvent[] };

/** A fresh encoder state; `id` serves when the parts bring no `start`. */
export function initialEncoderState(options: { model: string; id: string }): EncoderState {
  const { model, id } = options;
  return {
    phase: "idle",
    id,
    model,
    blockCount: 0,
    open: null,
    pinged: false,
    usage: {},
    finish: null,
    pendingTools: [],
  };
}

function mergePartial(usage: Partial<CanonicalUsage>, update: Partial<CanonicalUsage> = {}) {
  const merged = { ...usage };
  for (const [key, value] of Object.entries(update) as Array<[keyof CanonicalUsage, number | undefined]>) {
    if (typeof value === "number" && Number.isFinite(value)) merged[key] = value;
  }
  return merged;
}

function messageStart(state: EncoderState): Step {
  const { usage } = state;
  const message = {
    id: state.id,
    type: "message",
    role: "assistant",
    model: state.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: usage.inputTokens ?? 0,
      cache_creation_input_tokens: usage.cacheCreationTokens ?? 0,
      cache_read_input_tokens: usage.cacheReadTokens ?? 0,
      output_tokens: usage.outputTokens ?? 0,
    },
  };
  return { state: { ...state, phase: "streaming" }, events: [{ type: "message_start", message }] };
}

function closeBlock(state: EncoderState): Step {
  if (state.open === null) return { state, events: [] };
  return {
    state: { ...state, open: null },
    events: [{ type: "content_block_stop", index: state.blockCount - 1 }],
  };
}

/** Close the open block and start another (with the one `ping` after the first start, as Anthropic does). */
function openBlock(state: EncoderState, open: OpenBlock, contentBlock: Json): Step {
  const started = state.phase === "idle" ? messageStart(state) : unchanged(state);
  const closed = closeBlock(started.state);
  const events = [...started.events, ...closed.events];
  events.push({ type: "content_block_start", index: closed.state.blockCount, content_block: contentBlock });
  if (!closed.state.pinged) events.push({ type: "ping" });
  return { state: { ...closed.state, open, blockCount: closed.state.blockCount + 1, pinged: true }, events };
}

function blockDelta(step: Step, delta: Json, open: OpenBlock | null = step.state.open): Step {
  const event = { type: "content_block_delta", index: step.state.blockCount - 1, delta };
  return { state: { ...step.state, open }, events: [...step.events, event] };
}

/** An `error` event with the Anthropic type of the error's kind (the decoder read it from the upstream). */
function errorEvent(message: string, kind: ErrorKind = "api_error"): AnthropicStreamEvent {
  return anthropicErrorBody({ kind, message });
}

function unchanged(state: EncoderState): Step {
  return { state, events: [] };
}

/** Send the gathered tool calls as complete blocks. */
function flushTools(state: EncoderState): Step {
  let step = unchanged({ ...state, pendingTools: [] });
  for (const tool of state.pendingTools) {
    const block = { type: "tool_use", id: tool.id, name: tool.name, input: {} };
    const opened = openBlock(step.state, { kind: "tool", toolIndex: tool.index }, block);
    step = { state: opened.state, events: [...step.events, ...opened.events] };
    if (tool.argumentsJson !== "") {
      step = blockDelta(step, { type: "input_json_delta", partial_json: tool.argumentsJson });
    }
    const closed = closeBlock(step.state);
    step = { state: closed.state, events: [...step.events, ...closed.events] };
  }
  return step;
}

/** Run `encode` after sending any gathered tool calls, so content keeps its order. */
function afterTools(state: EncoderState, encode: (state: EncoderState) => Step): Step {
  if (state.pendingTools.length === 0) return encode(state);
  const flushed = flushTools(state);
  const next = encode(flushed.state);
  return { state: next.state, events: [...flushed.events, ...next.events] };
}

const EMPTY_TEXT = { type: "text", text: "" };
const EMPTY_THINKING = { type: "thinking", thinking: "", signature: "" };

/** One canonical part → the Anthropic events it calls for, and the next encoder state. */
export function encodePart(state: EncoderState, part: StreamPart): Step {
  if (state.phase === "done") return unchanged(state);
  switch (part.type) {
    case "text-delta":
    case "reasoning-delta":
    case "reasoning-signature":
    case "redacted-reasoning":
      return afterTools(state, (current) => encodeContent(current, part));
    case "tool-call-start": {
      if (state.pendingTools.some((tool) => tool.index === part.index)) return unchanged(state);
      const tool: PendingTool = { index: part.index, id: part.id, name: part.name, argumentsJson: "" };
      // Make sure message_start went out: the client learns early that an answer is coming.
      const started = state.phase === "idle" ? messageStart(state) : unchanged(state);
      const closed = closeBlock(started.state);
      return {
        state: { ...closed.state, pendingTools: [...closed.state.pendingTools, tool] },
        events: [...started.events, ...closed.events],
      };
    }
    case "tool-call-delta": {
      if (part.argumentsDelta === "") return unchanged(state);
      const pendingTools = state.pendingTools.map((tool) =>
        tool.index === part.index
          ? { ...tool, argumentsJson: tool.argumentsJson + part.argumentsDelta }
          : tool
      );
      return unchanged({ ...state, pendingTools });
    }
    default:
      return encodeContent(state, part);
  }
}

function encodeContent(state: EncoderState, part: StreamPart): Step {
  const { open } = state;
  switch (part.type) {
    case "start": {
      const next = { ...state, usage: mergePartial(state.usage, part.usage) };
      return state.phase === "idle"
        ? messageStart({ ...next, id: anthropicMessageId(part.id) })
        : unchanged(next);
    }
    case "usage":
      return unchanged({ ...state, usage: mergePartial(state.usage, part.usage) });
    case "finish":
      return unchanged({ ...state, finish: part.finish });
    case "error":
      // Nothing may follow an error event: the client's SDK throws on it.
      return { state: { ...state, phase: "done" }, events: [errorEvent(part.message, part.kind)] };
    case "text-delta": {
      if (part.text === "") return unchanged(state);
      const step = open?.kind === "text" ? unchanged(state) : openBlock(state, { kind: "text" }, EMPTY_TEXT);
      return blockDelta(step, { type: "text_delta", text: part.text });
    }
    case "reasoning-delta": {
      if (part.text === "") return unchanged(state);
      // A signature ends a thinking block: more thinking after it is a new block.
      const step = open?.kind === "thinking" && !open.signed
        ? unchanged(state)
        : openBlock(state, { kind: "thinking", signed: false }, EMPTY_THINKING);
      return blockDelta(step, { type: "thinking_delta", thinking: part.text });
    }
    case "reasoning-signature": {
      if (part.signature === "") return unchanged(state);
      const step = open?.kind === "thinking" && !part.standalone
        ? unchanged(state)
        : openBlock(state, { kind: "thinking", signed: false }, EMPTY_THINKING);
      const signed: OpenBlock = { kind: "thinking", signed: true };
      return blockDelta(step, { type: "signature_delta", signature: part.signature }, signed);
    }
    case "redacted-reasoning": {
      const step = openBlock(state, { kind: "redacted" }, { type: "redacted_thinking", data: part.data });
      const closed = closeBlock(step.state);
      return { state: closed.state, events: [...step.events, ...closed.events] };
    }
    default:
      return unchanged(state);
  }
}

/** The end of the parts → the closing events: `message_delta` + `message_stop`, or an error. */
export function encodeEnd(state: EncoderState): Step {
  if (state.phase === "done") return unchanged(state);
  if (state.finish === null) {
    // Never turn a cut-off stream into a successful (possibly empty) message.
    const event = errorEvent("the upstream stream ended before the response was complete");
    return { state: { ...state, phase: "done" }, events: [event] };
  }
  const begun = state.phase === "idle" ? messageStart(state) : unchanged(state);
  const tools = flushTools(begun.state);
  const started = { state: tools.state, events: [...begun.events, ...tools.events] };
  const closed = closeBlock(started.state);
  const { stopReason, stopSequence } = finishToAnthropic(state.finish);
  const { usage } = state;
  const delta = {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: stopSequence },
    usage: {
      ...(usage.inputTokens !== undefined ? { input_tokens: usage.inputTokens } : {}),
      ...(usage.cacheCreationTokens !== undefined
        ? { cache_creation_input_tokens: usage.cacheCreationTokens }
        : {}),
      ...(usage.cacheReadTokens !== undefined ? { cache_read_input_tokens: usage.cacheReadTokens } : {}),
      output_tokens: usage.outputTokens ?? 0,
    },
  };
  const events = [...started.events, ...closed.events, delta, { type: "message_stop" }];
  return { state: { ...closed.state, phase: "done" }, events };
}
