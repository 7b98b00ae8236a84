/**
 * Relaying an upstream response to the client: safe headers only, and streams passed on chunk by
 * chunk as they arrive, with an idle timeout, an error event in the client's format when the upstream
 * breaks after output began, and immediate cancellation of the upstream when the client leaves.
 */
import { type Clock, systemClock } from "../rotator/clock.ts";
import type { StreamTranslator } from "./stream_translation.ts";
import { reportEnd } from "./stream_end.ts";

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus those that no longer describe the relayed body. */
const DROPPED_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-encoding",
  "content-length",
  "set-cookie",
  "alt-svc",
  "date",
  "server",
]);

/** How many of the last chunks a relayed stream keeps for reading usage. */
const TAIL_CHUNKS = 4;

const CUT_MESSAGE = "the upstream stream ended before its final event";
const ENDING_MESSAGES = { cut: CUT_MESSAGE, errored: "the upstream ended its stream with an error event" };

/** Upstream headers that may be shown to the client. */
export function relayHeaders(upstream: Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of upstream) {
    if (!DROPPED_HEADERS.has(name)) headers.set(name, value);
  }
  return headers;
}

/** How a relayed stream ended. */
export type StreamEnd = { ok: true } | { ok: false; cancelled: true } | { ok: false; error: unknown };

/** Options of {@link relayStream}. */
export interface RelayStreamOptions {
  /** Longest silence of the upstream between two chunks before the stream is ended with an error. */
  idleTimeoutMs: number;
  /** Aborts the upstream request (its connection) when the client leaves or the stream times out. */
  controller: AbortController;
  /** Encodes an error as the last event of the stream, in the client's format. */
  errorEvent: (message: string) => string;
  /** Called exactly once when the stream ends, whichever way; `tail()` decodes the last bytes relayed. */
  onEnd: (end: StreamEnd, tail: () => string) => void;
  /**
   * Turns the upstream's bytes into the client's, when the formats differ. The idle watchdog watches the
   * upstream's bytes before it: a translation may rightly hold output back for long (the Anthropic
   * encoder sends a tool call only once its arguments are whole), and that silence is not the upstream's.
   * @default the upstream's bytes as they are
   */
  translate?: (upstream: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
  /**
   * Turns the upstream's bytes into the client's in one synchronous step per chunk, inside the relay's
   * own read (no stream chain); preferred to `translate` when given. The idle watchdog watches the
   * upstream's bytes, as with `translate`.
   */
  translator?: StreamTranslator;
  /** Time and timers of the idle watchdog. @default systemClock */
  clock?: Clock;
  /**
   * Masks secrets in what the client is sent (see `error_event_scrub.ts`: only chunks that may hold an
   * error event are looked at). @default the chunks as they are
   */
  scrub?: (chunk: Uint8Array) => Uint8Array;
  /**
   * How the stream ended, read at the upstream's clean end from `tail()` (see `passThroughEnding`): a
   * stream cut before its format's final event gets the error event and fails, one that ended with an
   * error event fails. @default "finished"
   */
  ending?: (tail: () => string) => "finished" | "errored" | "cut";
}

/** A client-facing stream that passes the upstream's `body` on (translated, if asked) as it arrives. */
export function relayStream(
  body: ReadableStream<Uint8Array>,
  options: RelayStreamOptions,
): ReadableStream<Uint8Array> {
  const { idleTimeoutMs, controller, errorEvent, onEnd, translator, clock = systemClock, scrub, ending } =
    options;
  const translate = translator === undefined ? options.translate : undefined;
  // One watchdog per stream instead of a timer per chunk: it re-arms itself for the time left.
  let lastChunkAt = clock.now();
  const reader =
    (translate ? translate(body.pipeThrough(activityMeter(clock, (at) => lastChunkAt = at))) : body)
      .getReader();
  let ended = false;
  let reportEnded = () => {};
  const endReported = new Promise<void>((resolve) => reportEnded = resolve);
  // The last few chunks, kept by reference (no copying on the hot path) for reading usage at the end.
  const recent: Uint8Array[] = [];
  const tail = () => {
    const decoder = new TextDecoder();
    return recent.map((chunk, index) => decoder.decode(chunk, { stream: index < recent.length - 1 })).join(
      "",
    );
  };
  let idle = false;
  let watchdog: unknown;
  const arm = (delayMs: number) => {
    watchdog = clock.setTimer(() => {
      const silentMs = clock.now() - lastChunkAt;
      if (silentMs < idleTimeoutMs) return arm(idleTimeoutMs - silentMs);
      idle = true;
      controller.abort();
    }, delayMs);
  };
  arm(idleTimeoutMs);
  const end = (result: StreamEnd) => {
    if (ended) return;
    ended = true;
    clock.clearTimer(watchdog);
    reportEnded();
    onEnd(result, tail);
  };
  const encoder = new TextEncoder();
  const relayed = new ReadableStream<Uint8Array>({
    async pull(stream) {
      try {
        // A translator may hold a chunk's output back (a tool call's arguments until whole): read on
        // until there is something to send, since a pull that enqueues nothing is not called again.
        for (;;) {
          const next = await reader.read();
          if (next.done) {
            const last = translator === undefined ? null : await translator.end();
            if (last !== null && last.length > 0) stream.enqueue(scrub ? scrub(last) : last);
            const how = ending?.(tail) ?? "finished";
            if (how === "cut") stream.enqueue(encoder.encode(errorEvent(CUT_MESSAGE)));
            stream.close();
            end(how === "finished" ? { ok: true } : { ok: false, error: new Error(ENDING_MESSAGES[how]) });
            return;
          }
          if (!translate) lastChunkAt = clock.now();
          let chunk = translator === undefined ? next.value : translator.push(next.value);
          if (chunk.length === 0) continue;
          if (scrub) chunk = scrub(chunk);
          recent.push(chunk);
          if (recent.length > TAIL_CHUNKS) recent.shift();
          stream.enqueue(chunk);
          return;
        }
      } catch (error) {
        if (ended) return;
        const message = idle
          ? `the upstream sent nothing for ${Math.round(idleTimeoutMs / 1000)} s`
          : "the upstream connection broke before the response was complete";
        stream.enqueue(encoder.encode(errorEvent(message)));
        stream.close();
        end({ ok: false, error: idle ? new Error(message) : error });
      }
    },
    cancel() {
      end({ ok: false, cancelled: true });
      controller.abort();
      reader.cancel().catch(() => {});
    },
  }, { highWaterMark: 0 });
  reportEnd(relayed, endReported);
  return relayed;
}

/** Passes chunks on untouched, telling `onChunk` when each one came. */
function activityMeter(
  clock: Clock,
  onChunk: (atMs: number) => void,
): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, stream) {
      onChunk(clock.now());
      stream.enqueue(chunk);
    },
  });
}
