/** `GET /v1/quota-stats[?provider=]`: the state and usage of every credential pool (keys masked). */
import type { Handler } from "hono";
import { RequestError } from "../../errors.ts";
import { poolStats, withSharedCounts } from "../../rotator/stats.ts";
import { windowIdAt } from "../../rotator/usage.ts";
import type { AppDeps, AppEnv } from "../context.ts";

/** Build the quota statistics handler. */
export function quotaStats(deps: AppDeps): Handler<AppEnv> {
  const now = deps.now ?? Date.now;
  return async function quotaStats(c) {
    const only = c.req.query("provider")?.toLowerCase();
    if (only !== undefined && !deps.rotator.pools.has(only)) {
      throw new RequestError(404, `provider "${only}" is not configured`, {
        param: "provider",
        code: "not_found",
      });
    }
    const nowMs = now();
    const providers: Record<string, unknown> = {};
    for (const [id, pool] of deps.rotator.pools) {
      if (only !== undefined && id !== only) continue;
      const rotation = deps.config.rotation.providers.get(id);
      const resetHour = deps.config.rotation.usageResetUtcHour;
      let stats = poolStats(pool, nowMs, resetHour);
      if (deps.sharedUsage) {
        // Every instance's counts together; this instance's own when the store is away.
        const shared = await deps.sharedUsage.read(id, windowIdAt(nowMs, resetHour)).catch(() => null);
        if (shared !== null) stats = withSharedCounts(stats, shared);
      }
      providers[id] = { mode: rotation?.mode ?? "balanced", ...stats };
    }
    return c.json({ object: "quota_stats", generated_at: new Date(nowMs).toISOString(), providers });
  };
}
