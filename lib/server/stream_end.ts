/**
 * Streams whose producer says when they end. The listener must know when a streamed response ends (its
 * connection is idle only then); for a stream it cannot ask, it passes every chunk through a
 * `TransformStream` to see the end, which cost a promise chain per chunk. The proxy's own relayed streams
 * report their end here instead.
 */

const ends = new WeakMap<ReadableStream, Promise<void>>();

/** Record that `stream` ends (closes, fails or is cancelled) when `ended` resolves. */
export function reportEnd(stream: ReadableStream, ended: Promise<void>): void {
  ends.set(stream, ended);
}

/** When `stream` ends, if its producer reported it; undefined otherwise. */
export function endOf(stream: ReadableStream): Promise<void> | undefined {
  return ends.get(stream);
}
