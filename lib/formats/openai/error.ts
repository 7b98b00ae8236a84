/**
 * OpenAI's error shape: `{"error":{"message","type","param","code"}}`, as the official SDKs read it.
 * https://platform.openai.com/docs/guides/error-codes
 */
import type { ErrorKind } from "../../errors.ts";

/** The `type` OpenAI uses for each kind of error. */
const OPENAI_TYPES: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "invalid_request_error",
  request_too_large: "invalid_request_error",
  rate_limit: "rate_limit_error",
  api_error: "api_error",
  overloaded: "server_error",
  timeout: "timeout_error",
};

/**
 * OpenAI's `type`s and `code`s → the kind they stand for: {@link OPENAI_TYPES} read backwards (a type
 * several kinds share stands for the first, `invalid_request_error` for invalid_request), and the codes
 * that say more than their type (`rate_limit_exceeded` rides on `type: "tokens"` and the like).
 */
const OPENAI_KINDS: ReadonlyMap<string, ErrorKind> = (() => {
  const kinds = new Map<string, ErrorKind>([["rate_limit_exceeded", "rate_limit"]]);
  for (const [kind, type] of Object.entries(OPENAI_TYPES) as Array<[ErrorKind, string]>) {
    if (!kinds.has(type)) kinds.set(type, kind);
  }
  return kinds;
})();

/**
 * The kind of an error an OpenAI upstream reported (by its `type`, else its `code`), so that encoders of
 * other formats can name it in their own words; api_error when neither says.
 */
export function openAIErrorKind(type: string | undefined, code?: string): ErrorKind {
  return OPENAI_KINDS.get(type ?? "") ?? OPENAI_KINDS.get(code ?? "") ?? "api_error";
}

/** Fields of an error body. */
export interface ErrorFields {
  kind: ErrorKind;
  message: string;
  param?: string | null;
  code?: string | null;
  /** The proxy's id of the request, for formats whose error bodies carry one (Anthropic's `request_id`). */
  requestId?: string;
  /** Seconds to wait before retrying, for formats whose error bodies say it (Google's `RetryInfo`). */
  retryAfterSeconds?: number;
  /** The HTTP status of the answer, for formats whose error bodies repeat it (Google's `code`). */
  httpStatus?: number;
}

/** The JSON body of an OpenAI-shaped error. */
export function openAIErrorBody(fields: ErrorFields): { error: Record<string, unknown> } {
  return {
    error: {
      message: fields.message,
      type: OPENAI_TYPES[fields.kind],
      param: fields.param ?? null,
      code: fields.code ?? null,
    },
  };
}

/** An SSE event carrying an error mid-stream; the OpenAI SDKs throw an `APIError` on it. */
export function openAIStreamErrorEvent(fields: ErrorFields): string {
  return `data: ${JSON.stringify(openAIErrorBody(fields))}\n\n`;
}
