/** `POST /v1/admin/reload`: rescan `oauth_creds/` so logins, imports and removals reach the pools now. */
import type { Handler } from "hono";
import { RequestError } from "../../errors.ts";
import type { AppDeps, AppEnv } from "../context.ts";

/** Build the reload handler. */
export function reloadCredentials(deps: AppDeps): Handler<AppEnv> {
  return async function reloadCredentials(c) {
    if (!deps.reloadCredentials) {
      throw new RequestError(404, "this proxy has no credential files to reload", { code: "not_found" });
    }
    const { added, removed } = await deps.reloadCredentials();
    return c.json({ object: "credentials_reload", added, removed });
  };
}
