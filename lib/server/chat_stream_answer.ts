/**
 * The streamed answer of a chat call: the upstream's event stream (its first event already checked by the
 * upstream client) relayed as it arrives, passed through when the client speaks the provider's format,
 * translated through canonical parts otherwise; the call ends with the stream.
 */
import type { AnswerReader, FormatCodec } from "../formats/mod.ts";
import { sseDecoder } from "../formats/sse.ts";
import { thinkTagSplitter } from "../formats/think_tags.ts";
import type { Logger } from "../log/logger.ts";
import type { ExecuteResult } from "../rotator/rotator.ts";
import type { StreamAnswer } from "../rotator/upstream_client.ts";
import { PartsTap, passThroughEnding, streamOutcome, type UsageEstimator } from "./call_accounting.ts";
import { errorEventScrubber } from "./error_event_scrub.ts";
import { relayHeaders, relayStream } from "./relay.ts";
import { streamTranslator } from "./stream_translation.ts";

/** What {@link streamAnswer} needs besides the answer. */
export interface StreamAnswerOptions {
  inbound: FormatCodec;
  /** The codec that reads the provider's stream (knowing the request, when the format needs it). */
  reader: AnswerReader;
  passThrough: boolean;
  thinkTags: boolean;
  clientModel: string;
  includeUsage: boolean;
  requestId: string;
  idleTimeoutMs: number;
  estimate: UsageEstimator;
  logger: Logger;
}

/** Build the client's streaming response; the call ends when the stream does. */
export function streamAnswer(result: ExecuteResult<StreamAnswer>, options: StreamAnswerOptions): Response {
  const { inbound, reader, passThrough, thinkTags, clientModel, includeUsage, requestId, logger } = options;
  const { response, body, controller, detach } = result.value;
  const { provider, model } = result.target;
  const where = `${provider.id}/${model}`;
  const headers = passThrough ? relayHeaders(response.headers) : new Headers();
  headers.set("content-type", "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache");
  headers.set("x-proxy-request-id", requestId);
  if (!passThrough && inbound.requestIdHeader) headers.set(inbound.requestIdHeader, requestId);
  // Missing usage is estimated (the tokenizer blocks a while) only for clients that are shown it.
  const tap = passThrough ? null : new PartsTap(includeUsage ? options.estimate : undefined);
  const encoder = { model: clientModel, includeUsage };
  // One synchronous step per upstream chunk where both codecs have one; the stream chain otherwise.
  const translator = tap === null
    ? undefined
    : streamTranslator({ reader, inbound, tap, thinkTags, encoder }) ??
      undefined;
  // Translated after the relay's idle watchdog has seen the upstream's bytes, not the client's.
  const translate = tap === null || translator ? undefined : (bytes: ReadableStream<Uint8Array>) => {
    let parts = bytes.pipeThrough(sseDecoder()).pipeThrough(reader.streamToParts());
    if (thinkTags) parts = parts.pipeThrough(thinkTagSplitter());
    return parts
      .pipeThrough(tap.stream())
      .pipeThrough(inbound.partsToStream(encoder))
      .pipeThrough(new TextEncoderStream());
  };
  const relayed = relayStream(body, {
    idleTimeoutMs: options.idleTimeoutMs,
    controller,
    errorEvent: (message) =>
      inbound.streamErrorEvent({
        kind: "api_error",
        message: `${provider.id}: ${message}`,
        code: "stream_error",
      }),
    translate,
    translator,
    scrub: errorEventScrubber(logger.redact),
    // A passed-through stream is judged by its last events; a translated one by its parts (`tap`).
    ending: passThrough ? (tail) => passThroughEnding(inbound.format, tail()) : undefined,
    onEnd: (end, tail) => {
      detach();
      const usage = tap === null ? inbound.streamTailUsage(tail()) : tap.usage;
      const facts = { translated: tap !== null, tap: tap ?? UNTRANSLATED, usage };
      const { outcome, failure } = streamOutcome(end, facts);
      if (failure !== null) logger.warn(`${where}: the stream ended with an error: ${failure}`);
      result.finish(outcome);
    },
  });
  return new Response(relayed, { status: passThrough ? response.status : 200, headers });
}

/** What a stream passed through untouched says about itself: nothing beyond how it ended. */
const UNTRANSLATED = { error: null, blame: undefined, finished: true } as const;
