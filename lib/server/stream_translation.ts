/**
 * A stream's translation from the provider's format to the client's as one synchronous step per
 * upstream chunk: bytes → SSE events → canonical parts → (`<think>` split) → the call's tap → the
 * client's SSE text → bytes. It replaces a chain of five or six `TransformStream`s, whose promises,
 * queues and per-item allocations cost more than the translation itself (issue 8).
 */
import type { AnswerReader, FormatCodec } from "../formats/mod.ts";
import type { StreamPart } from "../formats/canonical.ts";
import { sseStep } from "../formats/stream_pipeline.ts";
import { thinkTagStep } from "../formats/think_tags.ts";
import type { PartsTap } from "./call_accounting.ts";

/** One upstream chunk in, the client's bytes out; the end may wait for a usage estimate. */
export interface StreamTranslator {
  /** The client's bytes for one upstream chunk (empty when the translation holds output back). */
  push(chunk: Uint8Array): Uint8Array;
  /** What the stages still hold at the upstream's end, with the estimated usage when it was missing. */
  end(): Promise<Uint8Array>;
}

/** Options of {@link streamTranslator}. */
export interface StreamTranslatorOptions {
  /** How the provider's answer reads. */
  reader: AnswerReader;
  /** The client's format. */
  inbound: FormatCodec;
  /** Watches the parts (usage, errors) and estimates missing usage at the end. */
  tap: PartsTap;
  /** The provider hides reasoning in `<think>` tags. @default false */
  thinkTags?: boolean;
  /** Options of the client's encoder. */
  encoder: { model: string; includeUsage: boolean };
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * The translator, or null when a codec offers no step form (a format added with `TransformStream`s
 * only): the caller then builds the stream chain instead.
 */
export function streamTranslator(options: StreamTranslatorOptions): StreamTranslator | null {
  const { reader, inbound, tap, thinkTags = false } = options;
  if (reader.partsDecoder === undefined || inbound.partsEncoder === undefined) return null;
  const events = sseStep();
  const decoder = reader.partsDecoder();
  const think = thinkTags ? thinkTagStep() : null;
  const encode = inbound.partsEncoder(options.encoder);

  /** Parts → the client's text, through the think splitter and the tap. */
  const encodeParts = (parts: StreamPart[], text: string[]) => {
    for (const part of parts) {
      for (const split of think === null ? [part] : think.push(part)) {
        tap.see(split);
        text.push(...encode.push(split));
      }
    }
  };
  const bytes = (text: string[]) => text.length === 0 ? EMPTY : encoder.encode(text.join(""));
  return {
    push(chunk) {
      const text: string[] = [];
      for (const event of events.push(chunk)) encodeParts(decoder.push(event), text);
      return bytes(text);
    },
    async end() {
      const text: string[] = [];
      for (const event of events.end()) encodeParts(decoder.push(event), text);
      encodeParts(decoder.end(), text);
      if (think !== null) {
        for (const part of think.end()) {
          tap.see(part);
          text.push(...encode.push(part));
        }
      }
      const usage = await tap.estimatedUsage();
      if (usage !== null) text.push(...encode.push(usage));
      text.push(...encode.end());
      // The Responses encoder keeps the whole response before the client may read it is complete.
      if (encode.settled !== undefined) await encode.settled();
      return bytes(text);
    },
  };
}
