/**
 * Stream translation as plain synchronous steps: each stage takes one input and returns what it
 * yields, and a translation is the stages called in turn for each upstream chunk. A chain of
 * `TransformStream`s costs promises, queues and allocations per item at every stage; the stages' state
 * machines were already pure, so the same work runs as one function call per chunk.
 */
import type { StreamPart } from "./canonical.ts";
import { type SseEvent, SseParser } from "./sse.ts";

/** One stage of a stream translation: what each input yields, and what the end releases. */
export interface StreamStep<Input, Output> {
  push(input: Input): Output[];
  end(): Output[];
}

/** Bytes → SSE events (the step form of `sseDecoder()`). */
export function sseStep(): StreamStep<Uint8Array, SseEvent> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  return {
    push: (chunk) => parser.push(decoder.decode(chunk, { stream: true })),
    end: () => [...parser.push(decoder.decode()), ...parser.end()],
  };
}

/**
 * A step over a pure update function `(state, input) → { state, outputs }`, as each format's decoder
 * and encoder are written, threading the state through. `end` (optional) releases what the last state
 * still holds.
 */
export function statefulStep<State, Input, Output>(
  initial: State,
  update: (state: State, input: Input) => { state: State; outputs: Output[] },
  end: (state: State) => Output[] = () => [],
): StreamStep<Input, Output> {
  let state = initial;
  return {
    push(input) {
      const step = update(state, input);
      state = step.state;
      return step.outputs;
    },
    end: () => end(state),
  };
}

/** Decoder (SSE events → parts) and encoder (parts → SSE text) of a format's streams. */
export type PartsDecoder = StreamStep<SseEvent, StreamPart>;
/**
 * See {@link PartsDecoder}. `settled` (optional) resolves when what `end()` started is done (the Responses
 * encoder keeps the whole response): the caller holds the last text back until then.
 */
export interface PartsEncoder extends StreamStep<StreamPart, string> {
  settled?(): Promise<void>;
}
