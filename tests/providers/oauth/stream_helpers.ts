/** Reading recorded upstream streams through an OAuth adapter's envelope and a format's reader. */
import type { StreamPart } from "../../../lib/formats/canonical.ts";
import { sseDecoder, type SseEvent } from "../../../lib/formats/sse.ts";
import type { AnswerEnvelope } from "../../../providers/oauth/oauth_adapter.ts";

/** SSE text → events → (envelope) → canonical parts, collected. */
export async function readStream(
  text: string,
  toParts: TransformStream<SseEvent, StreamPart>,
  envelope?: AnswerEnvelope,
): Promise<StreamPart[]> {
  let events = new Response(text).body!.pipeThrough(sseDecoder());
  if (envelope) events = events.pipeThrough(envelope.unwrapEvents());
  return await Array.fromAsync(events.pipeThrough(toParts));
}

/** Canonical parts → a client format's SSE text. */
export async function encodeParts(
  parts: StreamPart[],
  encoder: TransformStream<StreamPart, string>,
): Promise<string> {
  const source = ReadableStream.from(parts);
  return (await Array.fromAsync(source.pipeThrough(encoder))).join("");
}

/** The text deltas of parts, joined. */
export function textOf(parts: StreamPart[]): string {
  return parts.map((part) => part.type === "text-delta" ? part.text : "").join("");
}
