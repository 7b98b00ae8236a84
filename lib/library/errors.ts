/**
 * The one error the library throws for a refused or failed call: the status, type, code and message the
 * server would have answered with over HTTP, in the format of the method called (OpenAI's for `chat` and
 * `embeddings`, Anthropic's for `messages`).
 */
import type { ErrorKind } from "../errors.ts";
import { anthropicErrorKind, anthropicErrorStatus } from "../formats/anthropic/error.ts";
import { openAIErrorKind } from "../formats/openai/error.ts";
import type { JsonObject } from "./types.ts";

/** Fields of a {@link RotatingClientError}. */
export interface RotatingClientErrorFields {
  /** The HTTP status the server would have answered with. */
  status: number;
  /** The error `type` of the method's format, e.g. `rate_limit_error`, `invalid_request_error`. */
  type: string;
  /** A machine-readable code when there is one, e.g. `context_length_exceeded`, `upstream_auth_failed`. */
  code?: string | null;
  /** The request field at fault, for invalid requests. */
  param?: string | null;
  /** Seconds to wait before trying again, when known (every key is cooling). */
  retryAfterSeconds?: number | null;
  /** The request id the server would have returned in `x-proxy-request-id`. */
  requestId?: string | null;
  /** True when a stream broke after output began: the error ended the iteration. */
  afterOutput?: boolean;
}

/**
 * A call that was refused (bad request, unknown model) or failed on every key and target.
 *
 * @example
 * ```ts
 * try {
 *   await client.chat({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
 * } catch (error) {
 *   if (error instanceof RotatingClientError && error.status === 429) {
 *     console.log(`every key rests; retry in ${error.retryAfterSeconds} s`);
 *   }
 * }
 * ```
 */
export class RotatingClientError extends Error {
  /** Always `RotatingClientError`. */
  override readonly name = "RotatingClientError";
  /** The HTTP status the server would have answered with. */
  readonly status: number;
  /** The error `type` of the method's format. */
  readonly type: string;
  /** A machine-readable code, or null. */
  readonly code: string | null;
  /** The request field at fault, or null. */
  readonly param: string | null;
  /** Seconds to wait before trying again, or null when unknown. */
  readonly retryAfterSeconds: number | null;
  /** The proxy's request id, or null. */
  readonly requestId: string | null;
  /** True when a stream broke after output began. */
  readonly afterOutput: boolean;

  /** An error with `message` and the given fields. */
  constructor(message: string, fields: RotatingClientErrorFields) {
    super(message);
    this.status = fields.status;
    this.type = fields.type;
    this.code = fields.code ?? null;
    this.param = fields.param ?? null;
    this.retryAfterSeconds = fields.retryAfterSeconds ?? null;
    this.requestId = fields.requestId ?? null;
    this.afterOutput = fields.afterOutput ?? false;
  }
}

/** The error an error response of the app stands for (OpenAI's or Anthropic's shape, both read alike). */
export async function errorFromResponse(response: Response): Promise<RotatingClientError> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the status alone says what happened.
  }
  const error = readErrorObject(body);
  const retryAfter = Number(response.headers.get("retry-after") ?? NaN);
  return new RotatingClientError(
    error.message ?? (text.trim() || `the call failed with ${response.status}`),
    {
      status: response.status,
      type: error.type ?? "api_error",
      code: error.code,
      param: error.param,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null,
      requestId: response.headers.get("x-proxy-request-id"),
    },
  );
}

/** Whether a stream event's data is an error (OpenAI's `{"error":…}` or Anthropic's `type: "error"`). */
export function isStreamError(data: JsonObject): boolean {
  return data.type === "error" || (data.error !== undefined && data.choices === undefined);
}

/**
 * The error an error event of a stream stands for. Such an event carries no status: it gets the status the
 * same error would have had before the stream began.
 */
export function errorFromStreamEvent(
  data: JsonObject,
  options: { format: "openai" | "anthropic" },
): RotatingClientError {
  const error = readErrorObject(data);
  const anthropic = options.format === "anthropic";
  const kind = anthropic
    ? anthropicErrorKind(error.type ?? undefined)
    : openAIErrorKind(error.type ?? undefined, error.code ?? undefined);
  const status = STATUS_OF_KIND[kind];
  return new RotatingClientError(error.message ?? "the stream broke", {
    status: anthropic ? anthropicErrorStatus(status) : status,
    type: error.type ?? "api_error",
    code: error.code,
    param: error.param,
    afterOutput: true,
  });
}

/** The status of each kind of error: the HTTP edge's (`lib/errors.ts` `kindForStatus`) read backwards. */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  api_error: 502,
  overloaded: 503,
  timeout: 504,
};

interface ErrorObject {
  message: string | null;
  type: string | null;
  code: string | null;
  param: string | null;
}

function readErrorObject(body: unknown): ErrorObject {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return {
    message: text(error.message),
    type: text(error.type),
    code: text(error.code) ?? (typeof error.code === "number" ? String(error.code) : null),
    param: text(error.param),
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
