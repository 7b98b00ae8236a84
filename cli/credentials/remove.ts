/** `credentials remove <id>`: take a key out of `.env` (by variable name or by id). */
import { updateEnvFile } from "../../lib/config/env_file.ts";
import { readCredentialFiles } from "../../lib/credentials/file_store.ts";
import { CommandFailure } from "../failure.ts";
import { say } from "../output.ts";
import { openWorkspace, type Workspace } from "../workspace.ts";
import { type CredentialRow, credentialRows } from "./credential_rows.ts";

/** The credential `reference` names: a variable (any case) or an id from `credentials list`. */
export function findCredential(rows: readonly CredentialRow[], reference: string): CredentialRow {
  const wanted = reference.trim();
  const matches = rows.filter((row) =>
    row.variable.toUpperCase() === wanted.toUpperCase() || row.id === wanted.toLowerCase()
  );
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new CommandFailure(`"${reference}" matches several credentials; use the variable name`);
  }
  throw new CommandFailure(`no credential "${reference}" (see proxy credentials list for variables and ids)`);
}

/** Remove a credential: its lines (and priority) from `.env`, or an OAuth account's file. */
export async function removeCredential(workspace: Workspace, row: CredentialRow): Promise<void> {
  if (row.source === "oauth_creds") {
    const account = row.variable.slice("oauth:".length);
    const files = await readCredentialFiles(workspace.variables.dataDir, { provider: row.provider });
    const file = files.find((candidate) => candidate.credential.account === account);
    if (!file) throw new CommandFailure(`the file of ${row.label} is gone already`);
    await Deno.remove(file.path);
    return;
  }
  if (row.source === "environment") {
    throw new CommandFailure(
      `${row.variable} is set in the process environment, not in .env; unset it there`,
    );
  }
  await updateEnvFile(workspace.variables.envPath, {
    [row.variable]: null,
    [`${row.variable}_PRIORITY`]: null,
  });
}

/** The command. */
export async function removeCommand(reference: string, options: { dataDir?: string }): Promise<void> {
  const workspace = await openWorkspace(options.dataDir);
  const row = findCredential(credentialRows(workspace, new Map(), Date.now()), reference);
  await removeCredential(workspace, row);
  say(`Removed ${row.variable} (${row.provider}, ${row.label}) from ${workspace.variables.envPath}`);
}
