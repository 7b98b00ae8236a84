/**
 * Google's error shape, as the Gemini API answers and its clients read it:
 * `{"error":{"code","message","status","details"}}`, `code` being the HTTP status and `status` the
 * RPC status name. A 429 carries a `google.rpc.RetryInfo` detail (`retryDelay: "30s"`), on which
 * Gemini CLI and the SDKs wait before retrying, as they would with Google.
 * https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes, https://google.aip.dev/193
 */
import type { ErrorKind } from "../../errors.ts";
import type { ErrorFields } from "../openai/error.ts";
import { encodeSseEvent } from "../sse.ts";

/** The RPC status and HTTP status Google uses for each kind of error. */
const GOOGLE_STATUSES: Readonly<Record<ErrorKind, { status: string; code: number }>> = {
  invalid_request: { status: "INVALID_ARGUMENT", code: 400 },
  authentication: { status: "UNAUTHENTICATED", code: 401 },
  permission: { status: "PERMISSION_DENIED", code: 403 },
  not_found: { status: "NOT_FOUND", code: 404 },
  // Google answers an oversized payload with 400 INVALID_ARGUMENT ("Request payload size exceeds the limit").
  request_too_large: { status: "INVALID_ARGUMENT", code: 400 },
  rate_limit: { status: "RESOURCE_EXHAUSTED", code: 429 },
  api_error: { status: "INTERNAL", code: 500 },
  overloaded: { status: "UNAVAILABLE", code: 503 },
  timeout: { status: "DEADLINE_EXCEEDED", code: 504 },
};

/** The `@type` of the detail that tells clients how long to wait before retrying. */
export const RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";

/** The RPC status name Google uses for an error kind (`RESOURCE_EXHAUSTED` for rate_limit, …). */
export function googleStatusName(kind: ErrorKind): string {
  return GOOGLE_STATUSES[kind].status;
}

/**
 * The HTTP status Google would answer with for a status of ours: it has no 413 (a 400) and no 502 (a
 * 500, INTERNAL). Other statuses, including an upstream's own 4xx, stay as they are.
 */
export function geminiErrorStatus(status: number): number {
  if (status === 413) return 400;
  if (status === 502) return 500;
  return status;
}

/**
 * The JSON body of a Google-shaped error; `code` is the answer's HTTP status (`httpStatus`, else the
 * kind's). With `retryAfterSeconds` (a 429 whose wait is known), the details hold a `RetryInfo` with
 * `retryDelay` in Google's duration syntax (`"30s"`).
 */
export function geminiErrorBody(fields: ErrorFields): { error: Record<string, unknown> } {
  const { status, code } = GOOGLE_STATUSES[fields.kind];
  const details: Array<Record<string, unknown>> = [];
  if (fields.retryAfterSeconds !== undefined && fields.retryAfterSeconds >= 0) {
    details.push({ "@type": RETRY_INFO_TYPE, retryDelay: `${Math.ceil(fields.retryAfterSeconds)}s` });
  }
  return {
    error: { code: fields.httpStatus ?? code, message: fields.message, status, details },
  };
}

/**
 * An error inside a `streamGenerateContent` stream: the error body as a `data:` event (what SSE readers
 * such as the AI SDK see), then once more as bare JSON, which is what `@google/genai` raises on: it
 * throws an `ApiError` for a read that is an error body, or "Incomplete JSON segment at the end" for
 * bytes left after the last event, and passes a `data:` error event on as an empty chunk.
 */
export function geminiStreamErrorEvent(fields: ErrorFields): string {
  const json = JSON.stringify(geminiErrorBody(fields));
  return encodeSseEvent({ data: json }) + json;
}
