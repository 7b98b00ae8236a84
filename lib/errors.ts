/**
 * The few error classes of the proxy. Each carries the data needed to render it once, at the HTTP
 * edge, in the inbound format's error shape (see `lib/server/error_response.ts`).
 */

/** What a client error means, independent of any wire format. */
export type ErrorKind =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "request_too_large"
  | "rate_limit"
  | "api_error"
  | "overloaded"
  | "timeout";

/** A request the proxy refuses before any upstream is called (bad JSON, schema, unknown model, ...). */
export class RequestError extends Error {
  override readonly name = "RequestError";
  readonly status: number;
  readonly kind: ErrorKind;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: {
      kind?: ErrorKind;
      param?: string | null;
      code?: string | null;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    const { kind = kindForStatus(status), param = null, code = null, headers = {} } = options;
    this.status = status;
    this.kind = kind;
    this.param = param;
    this.code = code;
    this.headers = headers;
  }
}

/** How an upstream call failed: an HTTP answer, no connection, or no answer in time. */
export type UpstreamFailureKind = "http" | "connection" | "timeout";

/** An upstream call that did not succeed. `status` is 0 when no HTTP answer arrived. */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  readonly kind: UpstreamFailureKind;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly retryable: boolean;
  readonly provider: string;

  constructor(
    message: string,
    options: {
      kind: UpstreamFailureKind;
      provider: string;
      status?: number;
      headers?: Headers;
      body?: string;
      retryable?: boolean;
    },
  ) {
    super(message);
    const {
      kind,
      provider,
      status = 0,
      headers = new Headers(),
      body = "",
      retryable = kind !== "http" || status >= 500,
    } = options;
    this.kind = kind;
    this.provider = provider;
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.retryable = retryable;
  }
}

/** No credential of a provider could serve the call within its deadline. */
export class NoCredentialAvailableError extends Error {
  override readonly name = "NoCredentialAvailableError";
  readonly provider: string;
  /** Milliseconds until the earliest credential is usable again, when known. */
  readonly retryAfterMs: number | null;
  /** HTTP status to answer with: 429 when everything is cooling, 502/503/504 after upstream failures. */
  readonly status: number;
  /** Machine-readable code for the error body. @default by status */
  readonly code: string;

  constructor(
    message: string,
    options: { provider: string; retryAfterMs?: number | null; status?: number; code?: string },
  ) {
    super(message);
    const { provider, retryAfterMs = null, status = 429 } = options;
    this.provider = provider;
    this.retryAfterMs = retryAfterMs;
    this.status = status;
    this.code = options.code ?? (status === 429 ? "rate_limit_exceeded" : "no_credential_available");
  }
}

/** A setting that cannot be used; start-up prints `variable: problem` and exits with code 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.variable = variable;
  }
}

/** The error kind that an HTTP status stands for. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401) return "authentication";
  if (status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit";
  if (status === 504) return "timeout";
  if (status === 503 || status === 529) return "overloaded";
  if (status >= 500) return "api_error";
  return "invalid_request";
}

/** Pull `message`, `code` and `param` out of an upstream error body of any common shape. */
export function readUpstreamErrorBody(
  body: string,
): { message?: string; code?: string | null; param?: string | null } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const text = body.trim().slice(0, 500);
    return text === "" ? {} : { message: text };
  }
  const root = Array.isArray(json) ? json[0] : json;
  const error = (root as { error?: unknown } | null)?.error ?? root;
  if (typeof error === "string") return { message: error };
  if (error === null || typeof error !== "object") return {};
  const record = error as Record<string, unknown>;
  const message = typeof record.message === "string" ? record.message : undefined;
  const code = typeof record.code === "string"
    ? record.code
    : typeof record.status === "string"
    ? record.status
    : null;
  const param = typeof record.param === "string" ? record.param : null;
  return { message, code, param };
}
