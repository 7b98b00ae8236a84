/** Opening the shared state a `STATE_STORE=redis://…` configuration names, as the server starts. */
import type { StateStoreSetting } from "../../config/schema.ts";
import { ConfigError } from "../../errors.ts";
import type { Logger } from "../../log/logger.ts";
import { RedisLink, RedisUnavailableError } from "./link.ts";
import { RedisSharedPool } from "./redis_shared_pool.ts";

/** The open link and the pools' shared side. */
export interface SharedState {
  link: RedisLink;
  pool: RedisSharedPool;
  /** Stop renewing slots and close the connections. */
  close(): Promise<void>;
}

/**
 * Connect to the configured Redis. Unreachable at start: a {@link ConfigError} (the server refuses to
 * start) unless `STATE_STORE_FALLBACK=local`, which starts on local state and reconciles once it answers.
 */
export async function openSharedState(
  setting: Extract<StateStoreSetting, { kind: "redis" }>,
  logger: Logger,
): Promise<SharedState> {
  const password = passwordOf(setting.url);
  if (password) logger.addSecrets([password]);
  let link: RedisLink;
  try {
    link = await RedisLink.connect({
      url: setting.url,
      prefix: setting.prefix,
      logger,
      allowDown: setting.fallbackLocal,
    });
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      throw new ConfigError(
        "STATE_STORE",
        `${error.message} (set STATE_STORE_FALLBACK=local to start anyway)`,
      );
    }
    throw error;
  }
  const pool = new RedisSharedPool(link, { leaseTtlMs: setting.leaseTtlMs, logger });
  return {
    link,
    pool,
    async close() {
      pool.close();
      await link.close();
    },
  };
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return "";
  }
}
