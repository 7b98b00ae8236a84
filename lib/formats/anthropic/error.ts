/**
 * Anthropic's error shape: `{"type":"error","error":{"type","message"}}`, with its own statuses
 * (500 for any internal error, 529 when overloaded). https://docs.anthropic.com/en/api/errors
 */
import { type ErrorKind, kindForStatus } from "../../errors.ts";
import type { ErrorFields } from "../openai/error.ts";
import { encodeSseEvent } from "../sse.ts";

/** The `error.type` Anthropic uses for each kind of error. */
const ANTHROPIC_TYPES: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  request_too_large: "request_too_large",
  rate_limit: "rate_limit_error",
  api_error: "api_error",
  overloaded: "overloaded_error",
  // 504 timeout_error is listed at https://docs.anthropic.com/en/api/errors
  timeout: "timeout_error",
};

/** The Anthropic `error.type` of an error kind. */
export function anthropicErrorType(kind: ErrorKind): string {
  return ANTHROPIC_TYPES[kind];
}

/**
 * Anthropic's `error.type`s → the kind they stand for: {@link ANTHROPIC_TYPES} read backwards, and
 * `billing_error` (a 402) read as the HTTP edge reads any 402, an invalid request.
 */
const ANTHROPIC_KINDS: ReadonlyMap<string, ErrorKind> = new Map([
  ...(Object.entries(ANTHROPIC_TYPES) as Array<[ErrorKind, string]>).map(([kind, type]) =>
    [type, kind] as const
  ),
  ["billing_error", kindForStatus(402)],
]);

/**
 * The kind of an error an Anthropic upstream reported by its `error.type`, so that encoders of other
 * formats can name it in their own words; api_error for a type Anthropic does not document.
 */
export function anthropicErrorKind(type: string | undefined): ErrorKind {
  return ANTHROPIC_KINDS.get(type ?? "") ?? "api_error";
}

/** The status Anthropic would answer with: it has no 502 (→ 500) and says 529 for overloaded (503). */
export function anthropicErrorStatus(status: number): number {
  if (status === 502) return 500;
  if (status === 503) return 529;
  return status;
}

/**
 * A context overflow in Anthropic's words, "prompt is too long: N tokens > M maximum": Claude Code compacts
 * the conversation on exactly that wording, and stops on any other. The counts come from the upstream's
 * message when it has them (OpenAI, Gemini); the original message follows in parentheses.
 */
export function promptTooLongMessage(message: string): string {
  if (/prompt is too long/i.test(message)) return message;
  const openai = /maximum context length is (\d+) tokens[^]*?(?:resulted in|requested) (\d+) tokens/i.exec(
    message,
  );
  const gemini = /input token count \((\d+)\) exceeds the maximum number of tokens allowed \((\d+)\)/i.exec(
    message,
  );
  const [tokens, maximum] = openai ? [openai[2], openai[1]] : gemini ? [gemini[1], gemini[2]] : [null, null];
  return tokens === null
    ? `prompt is too long: ${message}`
    : `prompt is too long: ${tokens} tokens > ${maximum} maximum (${message})`;
}

/** The JSON body of an Anthropic-shaped error, with `request_id` when the request has one. */
export function anthropicErrorBody(
  fields: ErrorFields,
): { type: "error"; error: { type: string; message: string }; request_id?: string } {
  const message = fields.code === "context_length_exceeded"
    ? promptTooLongMessage(fields.message)
    : fields.message;
  const error = { type: anthropicErrorType(fields.kind), message };
  return fields.requestId === undefined
    ? { type: "error", error }
    : { type: "error", error, request_id: fields.requestId };
}

/** An `event: error` SSE event; the official SDK throws an `APIError` of that type on it. */
export function anthropicStreamErrorEvent(fields: ErrorFields): string {
  return encodeSseEvent({ event: "error", data: JSON.stringify(anthropicErrorBody(fields)) });
}
