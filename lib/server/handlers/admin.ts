/**
 * `POST /v1/admin/reload`: re-read the configuration now. Providers added, changed or removed in `.env`
 * and OAuth logins, imports and removals reach the pools; a sandboxed server whose configuration needs
 * other permissions is handed over to a new Worker that has them (`restarted: true`).
 */
import type { Handler } from "hono";
import { RequestError } from "../../errors.ts";
import type { AppDeps, AppEnv } from "../context.ts";

/** Build the reload handler. */
export function reloadCredentials(deps: AppDeps): Handler<AppEnv> {
  return async function reloadCredentials(c) {
    if (deps.reload) {
      const result = await deps.reload().catch((error: Error) => {
        // A `.env` with a mistake: the server keeps what it runs with, and the caller learns why.
        if (error.name !== "ConfigError") throw error;
        throw new RequestError(400, `the configuration was not reloaded: ${error.message}`, {
          code: "invalid_configuration",
        });
      });
      return c.json({ object: "reload", ...result });
    }
    if (!deps.reloadCredentials) {
      throw new RequestError(404, "this proxy has no credential files to reload", { code: "not_found" });
    }
    const { added, removed } = await deps.reloadCredentials();
    return c.json({ object: "credentials_reload", added, removed });
  };
}
