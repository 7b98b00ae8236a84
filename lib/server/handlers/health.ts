/** `GET /health` (liveness) and `GET /ready` (can any provider serve now?), without authentication. */
import type { Handler } from "hono";
import type { CensusSource } from "../../metrics/census.ts";
import type { AppEnv } from "../context.ts";

/** Liveness: the process answers. */
export function health(): Handler<AppEnv> {
  return function health(c) {
    return c.json({ status: "ok" });
  };
}

/** Options of {@link ready}. */
export interface ReadyOptions {
  /** Credential counts by provider and state. */
  census: CensusSource;
}

/**
 * Readiness: the providers with their credential counts by state (never a key) and whether each can
 * serve now (an available credential); 503 when none can.
 */
export function ready(options: ReadyOptions): Handler<AppEnv> {
  const { census } = options;
  return function ready(c) {
    const providers = census().map((entry) => ({
      id: entry.provider,
      can_serve: entry.credentials.available > 0,
      credentials: entry.credentials,
      waiting: entry.waiting,
    }));
    const serving = providers.some((provider) => provider.can_serve);
    return c.json({ status: serving ? "ready" : "unavailable", providers }, serving ? 200 : 503);
  };
}
