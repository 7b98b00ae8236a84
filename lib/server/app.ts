/** `createApp(deps)`: the Hono app of the proxy, built from injected dependencies (no I/O at import). */
import { Hono } from "hono";
import { NoCredentialAvailableError, RequestError, UpstreamError } from "../errors.ts";
import { ClientAbortError } from "../rotator/upstream_call.ts";
import type { AppDeps, AppEnv } from "./context.ts";
import { errorResponse } from "./error_response.ts";
import { logValue } from "../log/log_value.ts";
import { accessLog } from "./middleware/access_log.ts";
import { requestLogging } from "./middleware/request_logging.ts";
import { requestMetrics } from "./middleware/request_metrics.ts";
import { registerRoutes } from "./routes.ts";

export type { AppDeps } from "./context.ts";

/** Build the app: access log, routes, and one place that renders every error. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { logger } = deps;
  const app = new Hono<AppEnv>();
  app.use(accessLog({ logger }));
  app.use(requestLogging({ requestLogs: deps.observability?.requestLogs, raw: deps.observability?.raw }));
  if (deps.observability) app.use(requestMetrics({ metrics: deps.observability.metrics }));
  registerRoutes(app, deps);
  app.notFound((c) => {
    const error = new RequestError(404, `no route for ${c.req.method} ${c.req.path}`, { code: "not_found" });
    return errorResponse(error, c.get("inbound"), { requestId: c.get("requestId") });
  });
  app.onError((error, c) => {
    if (error instanceof ClientAbortError) {
      c.get("access").note = "client disconnected";
      return new Response(null, { status: 499 });
    }
    if (error instanceof UpstreamError) {
      c.get("access").note = `upstream ${error.kind} ${error.status || ""}`.trim();
      // The upstream's body may repeat what the client sent (line breaks included): escaped, one line.
      logger.warn(`${error.provider}: ${error.message} ${logValue(error.body, { maxLength: 300 })}`.trim());
    } else if (error instanceof NoCredentialAvailableError) {
      // An expected outcome (every key cooling, busy or refused), not a crash: one line, no stack.
      c.get("access").note = error.code;
      logger.warn(error.message);
    } else if (!(error instanceof RequestError)) {
      logger.error(`unexpected error on ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}`);
    }
    return errorResponse(error, c.get("inbound"), { requestId: c.get("requestId"), redact: logger.redact });
  });
  return app;
}
