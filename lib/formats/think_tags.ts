/**
 * Some providers (DeepSeek-R1 and Qwen3 served by Chutes, Together, NVIDIA NIM, Groq…) put the
 * model's reasoning inside the text as `<think>…</think>`. These functions move it to reasoning
 * parts — also when a tag is split across stream chunks. Only text that *begins* with `<think>`
 * (after whitespace) is treated as reasoning, so ordinary text mentioning the tag is left alone.
 */
import type { CanonicalPart, CanonicalResponse, StreamPart } from "./canonical.ts";
import type { StreamStep } from "./stream_pipeline.ts";

const OPEN = "<think>";
const CLOSE = "</think>";

/** Where the splitter is in the text. */
export interface ThinkState {
  mode: "start" | "inside" | "after";
  /** Text held back because it may be the beginning of a tag. */
  pending: string;
  /** Just after `</think>`: the blank lines that follow it are dropped. */
  trimNext: boolean;
}

/** The initial state. */
export function initialThinkState(): ThinkState {
  return { mode: "start", pending: "", trimNext: false };
}

/** Feed one text fragment; returns the reasoning and text it releases, in order. */
export function splitThinkText(
  state: ThinkState,
  fragment: string,
): Array<{ reasoning: boolean; text: string }> {
  const out: Array<{ reasoning: boolean; text: string }> = [];
  let text = state.pending + fragment;
  state.pending = "";
  if (state.mode === "start") {
    const trimmed = text.trimStart();
    if (trimmed.startsWith(OPEN)) {
      state.mode = "inside";
      text = trimmed.slice(OPEN.length);
    } else if (OPEN.startsWith(trimmed)) {
      state.pending = text; // Could still become "<think>".
      return out;
    } else {
      state.mode = "after";
    }
  }
  if (state.mode === "inside") {
    const close = text.indexOf(CLOSE);
    if (close < 0) {
      const keep = partialSuffix(text, CLOSE);
      if (text.length - keep > 0) out.push({ reasoning: true, text: text.slice(0, text.length - keep) });
      state.pending = text.slice(text.length - keep);
      return out;
    }
    if (close > 0) out.push({ reasoning: true, text: text.slice(0, close) });
    state.mode = "after";
    state.trimNext = true;
    text = text.slice(close + CLOSE.length);
  }
  if (state.trimNext) {
    text = text.trimStart();
    if (text !== "") state.trimNext = false;
  }
  if (text !== "") out.push({ reasoning: false, text });
  return out;
}

/** Release what is still held back at the end of the text. */
export function flushThinkText(state: ThinkState): Array<{ reasoning: boolean; text: string }> {
  const text = state.pending;
  state.pending = "";
  if (text === "") return [];
  return [{ reasoning: state.mode === "inside", text }];
}

/** Length of the longest suffix of `text` that is a prefix of `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (tag.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}

/** A stream step that moves `<think>` text of text-delta parts into reasoning-delta parts. */
export function thinkTagSplitter(): TransformStream<StreamPart, StreamPart> {
  const state = initialThinkState();
  const emit = (
    pieces: Array<{ reasoning: boolean; text: string }>,
    controller: TransformStreamDefaultController<StreamPart>,
  ) => {
    for (const piece of pieces) {
      controller.enqueue(
        piece.reasoning ? { type: "reasoning-delta", text: piece.text } : {
          type: "text-delta",
          text: piece.text,
        },
      );
    }
  };
  return new TransformStream({
    transform(part, controller) {
      if (part.type !== "text-delta") {
        // Anything else ends the text run: release what was held back first.
        if (part.type === "finish" || part.type === "tool-call-start") {
          emit(flushThinkText(state), controller);
        }
        controller.enqueue(part);
        return;
      }
      emit(splitThinkText(state, part.text), controller);
    },
    flush(controller) {
      emit(flushThinkText(state), controller);
    },
  });
}

/** {@link thinkTagSplitter} as a synchronous step. */
export function thinkTagStep(): StreamStep<StreamPart, StreamPart> {
  const state = initialThinkState();
  const parts = (pieces: Array<{ reasoning: boolean; text: string }>): StreamPart[] =>
    pieces.map((piece) => ({ type: piece.reasoning ? "reasoning-delta" : "text-delta", text: piece.text }));
  return {
    push(part) {
      if (part.type === "text-delta") return parts(splitThinkText(state, part.text));
      // Anything else ends the text run: release what was held back first.
      const released = part.type === "finish" || part.type === "tool-call-start"
        ? parts(flushThinkText(state))
        : [];
      released.push(part);
      return released;
    },
    end: () => parts(flushThinkText(state)),
  };
}

/** Move a leading `<think>…</think>` of a response's text into a reasoning part. */
export function splitThinkResponse(response: CanonicalResponse): CanonicalResponse {
  const content: CanonicalPart[] = [];
  const state = initialThinkState();
  for (const part of response.content) {
    if (part.type !== "text" || state.mode === "after") {
      content.push(part);
      continue;
    }
    for (const piece of [...splitThinkText(state, part.text), ...flushThinkText(state)]) {
      content.push(
        piece.reasoning ? { type: "reasoning", text: piece.text } : { type: "text", text: piece.text },
      );
    }
    state.mode = "after";
  }
  return { ...response, content };
}
