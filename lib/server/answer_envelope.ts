/**
 * A format's answer reader behind a vendor's envelope (Code Assist wraps every Gemini answer in
 * `{response: …}`): the envelope is undone first, then the format reads as usual.
 */
import type { StreamPart } from "../formats/canonical.ts";
import type { AnswerReader } from "../formats/mod.ts";
import type { SseEvent } from "../formats/sse.ts";
import type { AnswerEnvelope } from "../../providers/types.ts";

/** `reader` reading answers wrapped in `envelope`. */
export function envelopedReader(reader: AnswerReader, envelope: AnswerEnvelope): AnswerReader {
  return {
    toCanonicalResponse: (json) => reader.toCanonicalResponse(envelope.unwrapJson(json)),
    streamToParts(): TransformStream<SseEvent, StreamPart> {
      const unwrap = envelope.unwrapEvents();
      return { writable: unwrap.writable, readable: unwrap.readable.pipeThrough(reader.streamToParts()) };
    },
  };
}
