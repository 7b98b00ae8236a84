/**
 * Server-Sent Events as streams: bytes → events (per the WHATWG EventSource parsing rules) and
 * events → bytes. https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One SSE event. `event` is absent when the stream did not name it (the default "message"). */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/** Incremental SSE parser state; feed it text, collect complete events. */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event: string | undefined;
  #id: string | undefined;

  /** Parse more text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    this.#buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const newline = this.#nextLineEnd(start);
      if (newline < 0) break;
      const line = this.#buffer.slice(start, newline);
      // A CR LF pair counts as one line end.
      start = this.#buffer[newline] === "\r" && this.#buffer[newline + 1] === "\n"
        ? newline + 2
        : newline + 1;
      const event = this.#line(line);
      if (event) events.push(event);
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  /** Finish: a last event without its blank line still counts (servers that close abruptly). */
  end(): SseEvent[] {
    const events = this.#buffer === "" ? [] : this.push("\n");
    const last = this.#line("");
    if (last) events.push(last);
    return events;
  }

  #nextLineEnd(from: number): number {
    const lf = this.#buffer.indexOf("\n", from);
    const cr = this.#buffer.indexOf("\r", from);
    if (cr < 0) return lf;
    if (lf < 0) return cr === this.#buffer.length - 1 ? -1 : cr; // a lone CR at the end may be a CR LF
    return Math.min(lf, cr);
  }

  #line(line: string): SseEvent | null {
    if (line === "") {
      if (this.#data.length === 0) {
        this.#event = undefined;
        return null;
      }
      const event: SseEvent = { data: this.#data.join("\n") };
      if (this.#event !== undefined) event.event = this.#event;
      if (this.#id !== undefined) event.id = this.#id;
      this.#data = [];
      this.#event = undefined;
      return event;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id") this.#id = value;
    return null;
  }
}

/** A stream of bytes → a stream of SSE events. */
export function sseDecoder(): TransformStream<Uint8Array, SseEvent> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  return new TransformStream({
    transform(chunk, controller) {
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) controller.enqueue(event);
    },
    flush(controller) {
      for (const event of parser.push(decoder.decode())) controller.enqueue(event);
      for (const event of parser.end()) controller.enqueue(event);
    },
  });
}

/** Encode one event as SSE text (multi-line data is split into several `data:` lines). */
export function encodeSseEvent(event: SseEvent): string {
  let text = event.event !== undefined ? `event: ${event.event}\n` : "";
  for (const line of event.data.split("\n")) text += `data: ${line}\n`;
  return text + "\n";
}
