/** Metrics: the Prometheus registry of the proxy and the credential census it reads. */
export * from "./census.ts";
export * from "./proxy_metrics.ts";
