/** `credentials list [--json]`: every key masked, with its state from the saved pools. */
import { say } from "../output.ts";
import { readSavedPools } from "../saved_pools.ts";
import { openWorkspace } from "../workspace.ts";
import { credentialRows, credentialRowsJson, renderCredentialRows } from "./credential_rows.ts";

/** The command. */
export async function listCommand(options: { json?: boolean; dataDir?: string }): Promise<void> {
  const workspace = await openWorkspace(options.dataDir);
  const { pools } = await readSavedPools(workspace.variables.dataDir);
  const now = Date.now();
  const rows = credentialRows(workspace, pools, now);
  if (options.json) say(JSON.stringify(credentialRowsJson(rows, now), null, 2));
  else for (const line of renderCredentialRows(rows, now)) say(line);
}
