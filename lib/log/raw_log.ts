/**
 * The raw log (`--enable-raw-logging`): the bytes at the proxy's boundary, both sides (client ↔ proxy and
 * proxy ↔ upstream), one JSON line per head or chunk in `logs/raw.jsonl`, redacted like every log and
 * rotated at the size cap.
 */
import { redactHeaders, redactText, redactUrl, type SecretScrubber } from "./redaction.ts";
import type { RotatingFile } from "./rotating_file.ts";

/** Which boundary and which way: `client>proxy`, `proxy>client`, `proxy>upstream`, `upstream>proxy`. */
export type RawDirection = "client>proxy" | "proxy>client" | "proxy>upstream" | "upstream>proxy";

/** Options of {@link RawLog}. */
export interface RawLogOptions {
  scrub: SecretScrubber;
  /** @default Date.now */
  now?: () => number;
}

/** Appends raw heads and chunks to a rotating file. */
export class RawLog {
  readonly #file: RotatingFile;
  readonly #scrub: SecretScrubber;
  readonly #now: () => number;

  constructor(file: RotatingFile, options: RawLogOptions) {
    this.#file = file;
    this.#scrub = options.scrub;
    this.#now = options.now ?? Date.now;
  }

  /** A request line or status line with its headers. */
  head(
    requestId: string,
    direction: RawDirection,
    head: { method?: string; url?: string; status?: number; headers: Headers },
  ): void {
    this.#line({
      request_id: requestId,
      direction,
      method: head.method,
      url: head.url === undefined ? undefined : redactUrl(head.url, this.#scrub),
      status: head.status,
      headers: redactHeaders(head.headers, this.#scrub),
    });
  }

  /** A piece of a body as it crossed the boundary. */
  chunk(requestId: string, direction: RawDirection, text: string): void {
    if (text === "") return;
    this.#line({ request_id: requestId, direction, data: redactText(text, this.#scrub) });
  }

  /** Resolves once queued lines are written. */
  flush(): Promise<void> {
    return this.#file.flush();
  }

  #line(fields: Record<string, unknown>): void {
    void this.#file.append(`${JSON.stringify({ time: new Date(this.#now()).toISOString(), ...fields })}\n`);
  }
}
