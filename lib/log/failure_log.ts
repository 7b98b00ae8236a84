/**
 * `logs/failures.jsonl`, always on: one JSON line per failed upstream attempt (provider, model, masked
 * key, status, failure class, the upstream's message, truncated), so an operator can see why calls failed
 * without turning on request logging. Fed by the event stream, so it never delays a call.
 */
import type { ProxyEvent } from "../rotator/events.ts";
import { redactText, type SecretScrubber } from "./redaction.ts";
import type { RotatingFile } from "./rotating_file.ts";

/** Longest upstream message kept in one line. */
const MAX_ERROR_CHARS = 2_000;

/** Options of {@link failureLogObserver}. */
export interface FailureLogOptions {
  /** Masks known secrets. */
  scrub: SecretScrubber;
}

/** An event observer that appends each failed attempt to `file`. */
export function failureLogObserver(
  file: RotatingFile,
  options: FailureLogOptions,
): (event: ProxyEvent) => Promise<void> | void {
  const { scrub } = options;
  return function failureLog(event) {
    if (event.type !== "attempt-end" || event.outcome !== "failure") return;
    const error = event.error === undefined ? null : redactText(truncate(event.error), scrub);
    const line = {
      time: new Date(event.atMs).toISOString(),
      request_id: event.requestId,
      front_door: event.frontDoor,
      provider: event.provider,
      model: event.model,
      key: event.credentialLabel,
      attempt: event.attempt,
      stream: event.stream,
      status: event.status ?? null,
      failure_class: event.failureClass ?? null,
      after_output: event.afterOutput ?? false,
      duration_ms: Math.round(event.durationMs),
      error,
      body: event.body === undefined ? null : redactText(truncate(event.body), scrub),
    };
    return file.append(`${JSON.stringify(line)}\n`);
  };
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…(${text.length} chars)` : text;
}
