/** `GET /v1/quota-stats[?provider=]`: the state and usage of every credential pool (keys masked). */
import type { Handler } from "hono";
import { RequestError } from "../../errors.ts";
import { poolStats } from "../../rotator/stats.ts";
import type { AppDeps, AppEnv } from "../context.ts";

/** Build the quota statistics handler. */
export function quotaStats(deps: AppDeps): Handler<AppEnv> {
  const now = deps.now ?? Date.now;
  return function quotaStats(c) {
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
      providers[id] = {
        mode: rotation?.mode ?? "balanced",
        ...poolStats(pool, nowMs, deps.config.rotation.usageResetUtcHour),
      };
    }
    return c.json({ object: "quota_stats", generated_at: new Date(nowMs).toISOString(), providers });
  };
}
