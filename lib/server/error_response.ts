/**
 * Rendering every error once, at the HTTP edge, in the inbound format's shape with the right status.
 */
import {
  kindForStatus,
  NoCredentialAvailableError,
  readUpstreamErrorBody,
  RequestError,
  UpstreamError,
} from "../errors.ts";
import { CODECS, type FormatCodec } from "../formats/mod.ts";
import type { ErrorFields } from "../formats/openai/error.ts";

/** Status, headers and fields of an error response, independent of the wire format. */
export interface ErrorDescription {
  status: number;
  headers: Record<string, string>;
  fields: ErrorFields;
}

/** Codes of failures that retrying soon cannot cure. */
const NOT_RETRYABLE_CODES: ReadonlySet<string> = new Set(["upstream_auth_failed", "credentials_disabled"]);

/** Describe any thrown value as a client-facing error. Unknown errors become a 500 without details. */
export function describeError(error: unknown): ErrorDescription {
  if (error instanceof RequestError) {
    return {
      status: error.status,
      headers: error.headers,
      fields: { kind: error.kind, message: error.message, param: error.param, code: error.code },
    };
  }
  if (error instanceof UpstreamError) return describeUpstreamError(error);
  if (error instanceof NoCredentialAvailableError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterMs !== null) {
      headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    }
    // The provider refused our keys: the official SDKs (and Claude Code) retry 5xx unless told not to.
    if (NOT_RETRYABLE_CODES.has(error.code)) headers["x-should-retry"] = "false";
    return {
      status: error.status,
      headers,
      fields: {
        kind: kindForStatus(error.status),
        message: error.message,
        code: error.code,
      },
    };
  }
  return { status: 500, headers: {}, fields: { kind: "api_error", message: "internal error in the proxy" } };
}

function describeUpstreamError(error: UpstreamError): ErrorDescription {
  if (error.kind === "timeout") {
    return {
      status: 504,
      headers: {},
      fields: { kind: "timeout", message: error.message, code: "upstream_timeout" },
    };
  }
  if (error.kind === "connection") {
    return {
      status: 503,
      headers: {},
      fields: { kind: "overloaded", message: error.message, code: "upstream_unreachable" },
    };
  }
  const upstream = readUpstreamErrorBody(error.body);
  // The upstream's own words when its body has them; otherwise ours (e.g. why its answer could not be read).
  const message = upstream.message !== undefined ? `${error.provider}: ${upstream.message}` : error.message;
  if (error.status >= 400 && error.status < 500) {
    const headers: Record<string, string> = {};
    const retryAfter = error.headers.get("retry-after");
    if (error.status === 429 && retryAfter) headers["retry-after"] = retryAfter;
    return {
      status: error.status,
      headers,
      fields: { kind: kindForStatus(error.status), message, param: upstream.param, code: upstream.code },
    };
  }
  return { status: 502, headers: {}, fields: { kind: "api_error", message, code: "upstream_error" } };
}

/** Options of {@link errorResponse}. */
export interface ErrorResponseOptions {
  /** Sent back in the body and headers when known. */
  requestId?: string;
  /**
   * Masks every known secret in the body (`logger.redact`): upstreams echo keys in their errors
   * ("Incorrect API key provided: sk-…") and the body repeats the upstream's words.
   * @default no masking
   */
  redact?: (text: string) => string;
}

/**
 * Render an error as an HTTP response in the client's format (`codec`, OpenAI's when the route group
 * named none), with every known secret masked. A known wait before retrying also goes into the body for
 * formats that carry it there.
 */
export function errorResponse(
  error: unknown,
  codec: FormatCodec | undefined,
  options: ErrorResponseOptions = {},
): Response {
  const { requestId, redact = (text: string) => text } = options;
  const inbound = codec ?? CODECS.openai;
  const { status: ourStatus, headers, fields } = describeError(error);
  const status = inbound.errorStatus(ourStatus);
  const retryAfter = Number(headers["retry-after"]);
  const described: ErrorFields = Number.isFinite(retryAfter) && retryAfter >= 0
    ? { ...fields, httpStatus: status, retryAfterSeconds: retryAfter }
    : { ...fields, httpStatus: status };
  const body = inbound.errorBody(requestId ? { ...described, requestId } : described);
  const responseHeaders: Record<string, string> = { "content-type": "application/json", ...headers };
  if (requestId) {
    responseHeaders["x-proxy-request-id"] = requestId;
    // Anthropic's SDKs read `request-id` into `_request_id` and print it with errors.
    if (inbound.requestIdHeader) responseHeaders[inbound.requestIdHeader] = requestId;
  }
  return new Response(redact(JSON.stringify(body)), { status, headers: responseHeaders });
}
