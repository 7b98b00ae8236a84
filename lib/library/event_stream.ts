/**
 * A streamed answer of the app as an async iterable of parsed events: SSE bytes → events
 * (`lib/formats/sse.ts`) → JSON objects. An error event ends the iteration by throwing a
 * {@link RotatingClientError}; leaving the loop early cancels the call, which frees its key.
 */
import { sseDecoder } from "../formats/sse.ts";
import { errorFromStreamEvent, isStreamError, RotatingClientError } from "./errors.ts";
import type { JsonObject } from "./types.ts";

/** Options of {@link readEventStream}. */
export interface ReadEventStreamOptions {
  /** The format of the method called: how error events read. */
  format: "openai" | "anthropic";
}

/** The events of a `text/event-stream` response, parsed; OpenAI's `[DONE]` sentinel is not yielded. */
export async function* readEventStream<T extends JsonObject>(
  response: Response,
  options: ReadEventStreamOptions,
): AsyncGenerator<T, void, undefined> {
  if (response.body === null) return;
  const reader = response.body.pipeThrough(sseDecoder()).getReader();
  try {
    for (;;) {
      const { value: event, done } = await reader.read();
      if (done) return;
      if (event.data === "[DONE]") continue;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        throw new RotatingClientError("a stream event is not JSON", {
          status: 502,
          type: "api_error",
          afterOutput: true,
        });
      }
      if (typeof data !== "object" || data === null || Array.isArray(data)) continue;
      if (event.event === "error" || isStreamError(data as JsonObject)) {
        throw errorFromStreamEvent(data as JsonObject, options);
      }
      yield data as T;
    }
  } finally {
    // A consumer that leaves early (break, throw) cancels the call; after the end this does nothing.
    await reader.cancel().catch(() => {});
  }
}
