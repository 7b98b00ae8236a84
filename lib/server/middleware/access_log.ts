/** One access-log line per request: method, path, provider/model, status, duration, masked key tail. */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../log/logger.ts";
import type { AppEnv } from "../context.ts";

/** Options of {@link accessLog}. */
export interface AccessLogOptions {
  logger: Logger;
}

/** Assign a request id and log the request once its response has started. */
export function accessLog(options: AccessLogOptions): MiddlewareHandler<AppEnv> {
  const { logger } = options;
  return async function accessLog(c, next) {
    const started = performance.now();
    const requestId = c.req.header("x-request-id") ?? crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("access", {});
    try {
      await next();
    } finally {
      if (logger.enabled("info")) {
        const { model, keyLabel, note } = c.get("access");
        const duration = (performance.now() - started).toFixed(1);
        const parts = [c.req.method, c.req.path, model ?? "-", String(c.res.status), `${duration}ms`];
        if (keyLabel) parts.push(`key=${keyLabel}`);
        if (note) parts.push(note);
        parts.push(`id=${requestId}`);
        logger.info(parts.join(" "));
      }
    }
  };
}
