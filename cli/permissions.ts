/** `proxy permissions`: the permissions the server's Worker would run with, computed from the configuration. */
import { loadConfig } from "../lib/config/mod.ts";
import { processEnvironment } from "../lib/config/variables.ts";
import { sandboxNeeds } from "../lib/server/sandbox/needs.ts";
import { describePermissions, sandboxPermissions } from "../lib/server/sandbox/permissions.ts";
import { resolveProviders } from "../providers/mod.ts";
import { say } from "./output.ts";

/** Print the computed permission set (`--json`: as Deno's Worker option takes it). */
export async function permissionsCommand(options: { dataDir?: string; json?: boolean }): Promise<void> {
  const { config } = await loadConfig({ dataDir: options.dataDir }, {
    env: processEnvironment(),
    ensureApiKey: false,
  }).catch(async (error) => {
    // Without a proxy key yet the permissions are the same: compute them with a stand-in.
    if (!String(error?.message).startsWith("PROXY_API_KEY")) throw error;
    return await loadConfig({ dataDir: options.dataDir }, {
      env: { ...processEnvironment(), PROXY_API_KEY: "(not set yet)" },
      ensureApiKey: false,
    });
  });
  const permissions = sandboxPermissions(sandboxNeeds(config, resolveProviders(config.providers)));
  if (options.json) {
    say(JSON.stringify(permissions, null, 2));
    return;
  }
  say("The server runs in a Worker with these permissions (from the configuration):");
  say(describePermissions(permissions));
  say("With the connection guard on, it also listens on one free 127.0.0.1 port chosen at start.");
  say("`proxy serve --sandbox=off` runs it with this process's own permissions instead (debugging only).");
}
