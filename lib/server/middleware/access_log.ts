/** One access-log line per request: method, path, provider/model, status, duration, masked key tail. */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../log/logger.ts";
import { logValue } from "../../log/log_value.ts";
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
        // The path, model and request id come from the client: escaped, so they cannot forge a line.
        const parts = [
          logValue(c.req.method),
          logValue(c.req.path),
          model === undefined ? "-" : logValue(model),
          String(c.res.status),
          `${duration}ms`,
        ];
        if (keyLabel) parts.push(`key=${keyLabel}`);
        if (note) parts.push(logValue(note, { maxLength: 500 }));
        parts.push(`id=${logValue(requestId)}`);
        logger.info(parts.join(" "));
      }
    }
  };
}
