/** `GET /metrics`: the Prometheus text exposition. */
import type { Handler } from "hono";
import type { ProxyMetrics } from "../../metrics/proxy_metrics.ts";
import type { AppEnv } from "../context.ts";

/** Options of {@link metricsEndpoint}. */
export interface MetricsEndpointOptions {
  metrics: ProxyMetrics;
}

/** Render the metrics registry. */
export function metricsEndpoint(options: MetricsEndpointOptions): Handler<AppEnv> {
  const { metrics } = options;
  return async function metricsEndpoint(c) {
    return c.body(await metrics.render(), 200, { "content-type": metrics.contentType });
  };
}
