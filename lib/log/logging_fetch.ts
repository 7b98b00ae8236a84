/**
 * The upstream side of request and raw logs: a `fetch` that files every call made inside a request (see
 * `request_context.ts`) under that request, with the body as sent and the answer's chunks as received.
 * The answer is passed on as it arrives; only a copy of each chunk's text is queued for writing.
 */
import { currentRequest } from "./request_context.ts";
import type { RawLog } from "./raw_log.ts";
import type { RequestLogStore } from "./request_log.ts";

/** The shape of `fetch` the proxy injects. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link loggingFetch}. */
export interface LoggingFetchOptions {
  requestLogs?: RequestLogStore | null;
  raw?: RawLog | null;
}

/** Wrap `fetch` so that calls made for a logged request are logged. Returns `fetch` itself when both are off. */
export function loggingFetch(fetch: FetchLike, options: LoggingFetchOptions): FetchLike {
  const { requestLogs = null, raw = null } = options;
  if (requestLogs === null && raw === null) return fetch;
  return async function loggedFetch(input, init) {
    const context = currentRequest();
    const log = context ? requestLogs?.logOf(context.requestId) : undefined;
    if (!context || (!log && !raw)) return fetch(input, init);
    const call = ++context.upstreamCalls;
    const requestId = context.requestId;
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const body = bodyText(init?.body);
    log?.writeUpstreamRequest(call, { url, method, headers, body });
    raw?.head(requestId, "proxy>upstream", { method, url, headers });
    raw?.chunk(requestId, "proxy>upstream", body);
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      log?.writeUpstreamError(call, error instanceof Error ? error.message : String(error));
      throw error;
    }
    log?.writeUpstreamResponse(call, response.status, response.headers);
    raw?.head(requestId, "upstream>proxy", { status: response.status, headers: response.headers });
    if (response.body === null) return response;
    const decoder = new TextDecoder();
    const record = (text: string) => {
      if (text === "") return;
      log?.appendUpstreamBody(call, text);
      raw?.chunk(requestId, "upstream>proxy", text);
    };
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        record(decoder.decode(chunk, { stream: true }));
      },
      flush() {
        record(decoder.decode());
      },
    });
    return new Response(response.body.pipeThrough(tap), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function bodyText(body: BodyInit | null | undefined): string {
  if (body === null || body === undefined) return "";
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return new TextDecoder().decode(body);
  if (body instanceof URLSearchParams) return body.toString();
  return "[body not logged: a stream or form]";
}
