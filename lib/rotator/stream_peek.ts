/**
 * Looking at the first event of an upstream event stream before the client's response is committed.
 * Until that event has arrived and parsed, nothing was sent to the client, so a stream that is empty,
 * broken, stalled or whose first event is not JSON is still the key's failure, retryable on another one.
 * The bytes read are kept by reference and replayed, untouched, in front of the rest of the stream.
 */
import { UpstreamError } from "../errors.ts";
import { SseParser } from "../formats/sse.ts";
import type { TimeoutWheel } from "./timeouts.ts";
import { ClientAbortError } from "./upstream_call.ts";

/** Options of {@link peekFirstEvent}. */
export interface PeekOptions {
  provider: string;
  /** Longest wait for the first event. */
  timeoutMs: number;
  /** Aborts the upstream request (on a timeout, or when the stream is refused). */
  controller: AbortController;
  /** The client's signal. */
  signal?: AbortSignal;
  timers: TimeoutWheel;
}

/** The stream with its first event checked, or what was wrong with it (the upstream call is then aborted). */
export type Peeked =
  | { ok: true; body: ReadableStream<Uint8Array>; first: { event?: string; json: unknown; data: string } }
  | { ok: false; problem: string; sample: string };

/**
 * Read `body` up to its first complete event with data. A stream that breaks or stalls before it throws an
 * {@link UpstreamError} (connection, timeout); a client that left, a {@link ClientAbortError}.
 */
export async function peekFirstEvent(
  body: ReadableStream<Uint8Array>,
  options: PeekOptions,
): Promise<Peeked> {
  const { provider, timeoutMs, controller, signal, timers } = options;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let seen = "";
  let timedOut = false;
  const timer = timers.schedule(timeoutMs, () => {
    timedOut = true;
    controller.abort();
  });
  const refuse = (problem: string): Peeked => {
    controller.abort();
    reader.cancel().catch(() => {});
    return { ok: false, problem, sample: seen.slice(0, 500) };
  };
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        if (signal?.aborted) throw new ClientAbortError("client disconnected");
        if (timedOut) {
          throw new UpstreamError(`${provider} sent no event within ${Math.round(timeoutMs / 1000)} s`, {
            kind: "timeout",
            provider,
          });
        }
        const reason = error instanceof Error ? error.message : String(error);
        throw new UpstreamError(`${provider} broke off its stream before the first event: ${reason}`, {
          kind: "connection",
          provider,
        });
      }
      if (next.done) {
        const last = parser.push(decoder.decode()).concat(parser.end())[0];
        return last ? judge(last.data, last.event) : refuse("a stream that ended before its first event");
      }
      chunks.push(next.value);
      const text = decoder.decode(next.value, { stream: true });
      if (seen.length < 500) seen += text;
      const [first] = parser.push(text);
      if (first) return judge(first.data, first.event);
    }
  } finally {
    timers.cancel(timer);
  }

  function judge(data: string, name: string | undefined): Peeked {
    if (data.trim() === "[DONE]") return refuse("an empty stream");
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return refuse("a first event that is not JSON");
    }
    return {
      ok: true,
      body: replay(chunks, reader),
      first: { json, data, ...(name ? { event: name } : {}) },
    };
  }
}

/** The chunks already read, then the rest of `reader`; cancelling it cancels the upstream. */
function replay(
  chunks: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    async pull(stream) {
      if (index < chunks.length) {
        stream.enqueue(chunks[index]);
        chunks[index++] = EMPTY;
        return;
      }
      const next = await reader.read();
      if (next.done) stream.close();
      else stream.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

const EMPTY = new Uint8Array(0);
