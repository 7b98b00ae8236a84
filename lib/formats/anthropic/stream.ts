/**
 * Anthropic Messages streams ↔ canonical stream parts. The event order is Anthropic's:
 * `message_start`, then per block `content_block_start` / `content_block_delta`… / `content_block_stop`,
 * then `message_delta` and `message_stop`; `ping`s may come anywhere and `event: error` ends a stream.
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
import type { StreamPart } from "../canonical.ts";
import { encodeSseEvent, type SseEvent } from "../sse.ts";
import { type PartsDecoder, type PartsEncoder, statefulStep } from "../stream_pipeline.ts";
import { anthropicErrorKind } from "./error.ts";
import { finishFromAnthropic } from "./finish_reason.ts";
import { anthropicMessageId, usageFromAnthropic } from "./response.ts";
import { encodeEnd, encodePart, initialEncoderState, type Step } from "./stream_encoder.ts";
import { blockDeltaSchema, type ResponseBlock, responseBlockSchema, streamEventSchema } from "./schema.ts";

type Json = Record<string, unknown>;

// ——— Upstream Anthropic SSE → parts ———

type BlockKind = "text" | "tool" | "thinking" | "other";

/** What the decoder remembers: the kind of each block, and whether a stop reason was seen. */
export interface DecoderState {
  readonly blocks: Readonly<Record<number, BlockKind>>;
  readonly finished: boolean;
}

/** The block kind each delta type belongs to; a delta for a block of another kind is ignored. */
const DELTA_KINDS: Record<string, BlockKind> = {
  text_delta: "text",
  input_json_delta: "tool",
  thinking_delta: "thinking",
  signature_delta: "thinking",
};

/** One upstream SSE event → the parts it stands for, and the next decoder state. */
export function decodeAnthropicEvent(
  state: DecoderState,
  event: SseEvent,
): { state: DecoderState; parts: StreamPart[] } {
  const emit = (...parts: StreamPart[]) => ({ state, parts });
  let json: unknown;
  try {
    json = JSON.parse(event.data);
  } catch {
    return emit({ type: "error", message: `The upstream sent a non-JSON ${event.event} event` });
  }
  const parsed = streamEventSchema.safeParse({ type: event.event, ...(json as Json) });
  if (!parsed.success) {
    const type = (json as Json | null)?.type ?? event.event;
    // New event types are skipped, as the official SDK does; a known one must be well-formed.
    if (!streamEventSchema.options.some((option) => option.shape.type.value === type)) return emit();
    return emit({ type: "error", message: `The upstream sent a malformed ${String(type)} event` });
  }
  const data = parsed.data;
  switch (data.type) {
    case "message_start": {
      const { id = "", model = "", usage } = data.message;
      return emit({ type: "start", id, model, usage: usageFromAnthropic(usage) });
    }
    case "content_block_start": {
      const block = responseBlockSchema.safeParse(data.content_block);
      const type = block.success ? block.data.type : "other";
      const kind = type === "tool_use" ? "tool" : type === "text" || type === "thinking" ? type : "other";
      const parts = block.success ? blockStartParts(data.index, block.data) : [];
      return { state: { ...state, blocks: { ...state.blocks, [data.index]: kind } }, parts };
    }
    case "content_block_delta": {
      const delta = blockDeltaSchema.safeParse(data.delta); // citations_delta and others fail: ignored
      if (!delta.success || DELTA_KINDS[delta.data.type] !== state.blocks[data.index]) return emit();
      const value = delta.data;
      if (value.type === "text_delta") return emit(...textDelta("text-delta", value.text));
      if (value.type === "thinking_delta") return emit(...textDelta("reasoning-delta", value.thinking));
      if (value.type === "signature_delta") {
        return value.signature === ""
          ? emit()
          : emit({ type: "reasoning-signature", signature: value.signature });
      }
      if (value.partial_json === "") return emit();
      return emit({ type: "tool-call-delta", index: data.index, argumentsDelta: value.partial_json });
    }
    case "message_delta": {
      const usage = usageFromAnthropic(data.usage);
      const parts: StreamPart[] = Object.keys(usage).length > 0 ? [{ type: "usage", usage }] : [];
      const { stop_reason: reason, stop_sequence: sequence } = data.delta;
      if (typeof reason !== "string") return { state, parts };
      parts.push({ type: "finish", finish: finishFromAnthropic(reason, sequence) });
      return { state: { ...state, finished: true }, parts };
    }
    case "message_stop":
      // A complete message whose stop reason never came (some Anthropic-compatible servers).
      if (state.finished) return emit();
      return {
        state: { ...state, finished: true },
        parts: [{ type: "finish", finish: finishFromAnthropic(null) }],
      };
    case "error": {
      const { message = "The upstream reported an error", type } = data.error;
      if (type === undefined) return emit({ type: "error", message });
      return emit({ type: "error", message, kind: anthropicErrorKind(type), errorType: type });
    }
    default: // ping, content_block_stop
      return emit();
  }
}

function textDelta(type: "text-delta" | "reasoning-delta", text: string): StreamPart[] {
  return text === "" ? [] : [{ type, text }];
}

function blockStartParts(index: number, block: ResponseBlock): StreamPart[] {
  switch (block.type) {
    case "text":
      return textDelta("text-delta", block.text);
    case "tool_use": {
      const parts: StreamPart[] = [{ type: "tool-call-start", index, id: block.id, name: block.name }];
      // Anthropic starts with `input: {}`; some compatible servers put the whole input here instead.
      if (block.input && Object.keys(block.input).length > 0) {
        parts.push({ type: "tool-call-delta", index, argumentsDelta: JSON.stringify(block.input) });
      }
      return parts;
    }
    case "thinking": {
      const parts = textDelta("reasoning-delta", block.thinking);
      if (block.signature) parts.push({ type: "reasoning-signature", signature: block.signature });
      return parts;
    }
    case "redacted_thinking":
      return [{ type: "redacted-reasoning", data: block.data }];
  }
}

/** Upstream Anthropic SSE events → canonical parts. */
export function anthropicEventsToParts(): TransformStream<SseEvent, StreamPart> {
  let state: DecoderState = { blocks: {}, finished: false };
  return new TransformStream({
    transform(event, controller) {
      const result = decodeAnthropicEvent(state, event);
      state = result.state;
      for (const part of result.parts) controller.enqueue(part);
    },
  });
}

/** Canonical parts → Anthropic SSE text, one event per chunk. */
export function partsToAnthropicEvents(options: { model: string }): TransformStream<StreamPart, string> {
  let state = initialEncoderState({ model: options.model, id: anthropicMessageId("") });
  const send = (controller: TransformStreamDefaultController<string>, step: Step) => {
    state = step.state;
    for (const event of step.events) {
      controller.enqueue(encodeSseEvent({ event: event.type, data: JSON.stringify(event) }));
    }
  };
  return new TransformStream({
    transform(part, controller) {
      send(controller, encodePart(state, part));
    },
    flush(controller) {
      send(controller, encodeEnd(state));
    },
  });
}

/** {@link anthropicEventsToParts} as a synchronous step. */
export function anthropicPartsDecoder(): PartsDecoder {
  const initial: DecoderState = { blocks: {}, finished: false };
  return statefulStep(initial, (state, event: SseEvent) => {
    const step = decodeAnthropicEvent(state, event);
    return { state: step.state, outputs: step.parts };
  });
}

/** {@link partsToAnthropicEvents} as a synchronous step. */
export function anthropicPartsEncoder(options: { model: string }): PartsEncoder {
  const text = (step: Step) => ({
    state: step.state,
    outputs: step.events.map((event) => encodeSseEvent({ event: event.type, data: JSON.stringify(event) })),
  });
  const initial = initialEncoderState({ model: options.model, id: anthropicMessageId("") });
  return statefulStep(
    initial,
    (state, part: StreamPart) => text(encodePart(state, part)),
    (state) => text(encodeEnd(state)).outputs,
  );
}
