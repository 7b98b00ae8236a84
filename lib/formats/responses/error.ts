/**
 * Errors of the Responses API. Before a stream begins they have OpenAI's usual shape
 * (`{"error":{"message","type","param","code"}}`); after, the stream ends with `response.failed`, whose
 * `response.error.code` clients act on: Codex CLI compacts on `context_length_exceeded`, stops on
 * `insufficient_quota` and retries `rate_limit_exceeded` and `server_is_overloaded`.
 * https://platform.openai.com/docs/api-reference/responses-streaming/response/failed
 */
import type { ErrorKind } from "../../errors.ts";
import type { ErrorFields } from "../openai/error.ts";
import type { Json } from "../json_values.ts";

/** Codes clients know, kept when an upstream (or our own code) already used them. */
const KNOWN_CODES: ReadonlySet<string> = new Set([
  "context_length_exceeded",
  "insufficient_quota",
  "rate_limit_exceeded",
  "server_is_overloaded",
  "invalid_prompt",
  "server_error",
  "usage_not_included",
]);

/** Upstream error types that mean the account has no money left (OpenAI's and Anthropic's words). */
const QUOTA_TYPES: ReadonlySet<string> = new Set(["insufficient_quota", "billing_error"]);

/** How upstreams word a prompt that does not fit the model's context (OpenAI, Anthropic, Gemini). */
const CONTEXT_OVERFLOW =
  /maximum context length|context[ _]length|context window|prompt is too long|input token count \(\d+\) exceeds/i;

const CODES_BY_KIND: Partial<Record<ErrorKind, string>> = {
  rate_limit: "rate_limit_exceeded",
  overloaded: "server_is_overloaded",
  invalid_request: "invalid_prompt",
};

/** The `response.error.code` for a failure: the upstream's own when clients know it, else by kind. */
export function responsesErrorCode(
  fields: { kind: ErrorKind; message: string; code?: string | null },
): string {
  const { kind, message, code } = fields;
  if (code && KNOWN_CODES.has(code)) return code;
  if (code && QUOTA_TYPES.has(code)) return "insufficient_quota";
  if (CONTEXT_OVERFLOW.test(message)) return "context_length_exceeded";
  return CODES_BY_KIND[kind] ?? "server_error";
}

/** One Responses stream event as SSE text (`event:` names the type, as OpenAI sends it). */
export function responsesEvent(data: Json & { type: string }): string {
  // JSON text holds no line break, so it is one `data:` line as it is.
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A `response.failed` event for a stream that broke where no encoder state is at hand (the upstream
 * connection, or a pass-through stream). Its `sequence_number` is filled in by whoever knows the stream
 * so far (the Responses handler's tap); the response holds what `response.failed` requires.
 */
export function responsesStreamErrorEvent(fields: ErrorFields): string {
  const response = {
    id: `resp_${crypto.randomUUID().replaceAll("-", "")}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "failed",
    error: { code: responsesErrorCode(fields), message: fields.message },
    incomplete_details: null,
    output: [],
  };
  return responsesEvent({ type: "response.failed", response });
}
