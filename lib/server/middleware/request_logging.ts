/**
 * The client side of request and raw logs, and the request's log context. Every request runs inside
 * `runInRequest` (log lines and upstream calls know their request id); when request or raw logging is on,
 * the client's request and the answer as sent (chunk by chunk, for streams) are written too. With both
 * off this costs one `AsyncLocalStorage.run` per request.
 */
import type { MiddlewareHandler } from "hono";
import type { RawLog } from "../../log/raw_log.ts";
import { runInRequest } from "../../log/request_context.ts";
import type { RequestLog, RequestLogStore } from "../../log/request_log.ts";
import type { AppEnv } from "../context.ts";

/** Options of {@link requestLogging}. */
export interface RequestLoggingOptions {
  /** Request logs, when on. @default null */
  requestLogs?: RequestLogStore | null;
  /** The raw log, when on. @default null */
  raw?: RawLog | null;
  /** Longest client body read for the logs. @default 8 MiB */
  maxBodyBytes?: number;
}

/** Run the request in its log context and, when logging is on, log the client side. */
export function requestLogging(options: RequestLoggingOptions = {}): MiddlewareHandler<AppEnv> {
  const { requestLogs = null, raw = null, maxBodyBytes = 8 * 1024 * 1024 } = options;
  if (requestLogs === null && raw === null) {
    return async function requestLogging(c, next) {
      await runInRequest(c.get("requestId"), next);
    };
  }
  return async function requestLogging(c, next) {
    const requestId = c.get("requestId");
    const started = performance.now();
    const request = c.req.raw;
    // A copy of the body: the handler reads the original, with its own size limit.
    const body = request.body === null ? "" : await readCapped(request.clone(), maxBodyBytes);
    const log = requestLogs?.open(requestId, {
      method: request.method,
      path: c.req.path,
      headers: request.headers,
      body,
    });
    raw?.head(requestId, "client>proxy", {
      method: request.method,
      url: request.url,
      headers: request.headers,
    });
    raw?.chunk(requestId, "client>proxy", body);
    await runInRequest(requestId, next);
    const response = c.res;
    raw?.head(requestId, "proxy>client", { status: response.status, headers: response.headers });
    if (response.body === null) {
      const elapsed = performance.now() - started;
      log?.finish({
        status: response.status,
        headers: response.headers,
        ttfbMs: elapsed,
        durationMs: elapsed,
      });
      return;
    }
    c.res = new Response(response.body.pipeThrough(tapAnswer({ requestId, log, raw, started, response })), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

interface TapOptions {
  requestId: string;
  log: RequestLog | undefined;
  raw: RawLog | null;
  started: number;
  response: Response;
}

/** Passes the answer through and copies each chunk's text to the logs; ends the log at the end. */
function tapAnswer(options: TapOptions): TransformStream<Uint8Array, Uint8Array> {
  const { requestId, log, raw, started, response } = options;
  const decoder = new TextDecoder();
  let firstByteMs: number | null = null;
  const record = (text: string) => {
    if (text === "") return;
    log?.appendResponseBody(text);
    raw?.chunk(requestId, "proxy>client", text);
  };
  const finish = (aborted: boolean) => {
    const durationMs = performance.now() - started;
    log?.finish({
      status: response.status,
      headers: response.headers,
      ttfbMs: firstByteMs ?? durationMs,
      durationMs,
      aborted,
    });
  };
  return new TransformStream({
    transform(chunk, controller) {
      firstByteMs ??= performance.now() - started;
      controller.enqueue(chunk);
      record(decoder.decode(chunk, { stream: true }));
    },
    flush() {
      record(decoder.decode());
      finish(false);
    },
    cancel() {
      finish(true);
    },
  });
}

async function readCapped(request: Request, maxBytes: number): Promise<string> {
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(total, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes.length - offset));
    bytes.set(part, offset);
    offset += part.length;
  }
  const text = new TextDecoder().decode(bytes);
  return total > maxBytes ? `${text}…[cut at ${maxBytes} bytes]` : text;
}
