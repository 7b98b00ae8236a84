/** Counts each model call of a front door in the metrics, with its status and time to response start. */
import type { MiddlewareHandler } from "hono";
import type { ProxyMetrics } from "../../metrics/proxy_metrics.ts";
import type { AppEnv } from "../context.ts";

/** Options of {@link requestMetrics}. */
export interface RequestMetricsOptions {
  metrics: ProxyMetrics;
}

/** The front door of a model-call path, or null for other endpoints (listings, stats, health). */
export function frontDoorOf(method: string, path: string): string | null {
  if (method !== "POST") return null;
  if (path === "/v1/chat/completions") return "openai";
  if (path === "/v1/messages") return "anthropic";
  if (path === "/v1/responses") return "responses";
  if (path === "/v1/embeddings") return "embeddings";
  if (/^\/v1(beta)?\/models\/.+:(stream)?[gG]enerateContent$/.test(path)) return "gemini";
  return null;
}

/** Record the request once the handler produced its response (headers; a stream's first bytes). */
export function requestMetrics(options: RequestMetricsOptions): MiddlewareHandler<AppEnv> {
  const { metrics } = options;
  return async function requestMetrics(c, next) {
    const frontDoor = frontDoorOf(c.req.method, c.req.path);
    if (frontDoor === null) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      // A refused (400) or unknown (404) model id is not named: made-up ids would each be a series for ever.
      const status = c.res.status;
      const name = status === 400 || status === 404 ? "-" : c.get("access").model ?? "";
      const slash = name.indexOf("/");
      metrics.recordRequest({
        frontDoor,
        provider: slash > 0 ? name.slice(0, slash) : "-",
        model: slash > 0 ? name.slice(slash + 1) : (name || "-"),
        status,
        durationMs: performance.now() - started,
      });
    }
  };
}
