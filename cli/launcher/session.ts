/** What the launcher knows at one moment: re-read after every change, so the header is never stale. */
import { type DataDirVariables, readDataDirVariables } from "../../lib/config/variables.ts";
import { type CredentialRow, credentialRows } from "../credentials/credential_rows.ts";
import { CommandFailure } from "../failure.ts";
import { readSavedPools } from "../saved_pools.ts";
import { openWorkspace, type Workspace } from "../workspace.ts";
import type { HeaderSummary } from "./header.ts";

/** The launcher's view of the data directory. */
export interface Session {
  dataDir: string;
  variables: DataDirVariables;
  /** Null when the configuration does not load; `problems` says why. */
  workspace: Workspace | null;
  rows: CredentialRow[];
  problems: string[];
}

/** Read the data directory afresh. */
export async function loadSession(dataDir: string): Promise<Session> {
  const variables = await readDataDirVariables(dataDir);
  let workspace: Workspace | null = null;
  const problems: string[] = [];
  try {
    workspace = await openWorkspace(dataDir);
  } catch (error) {
    if (!(error instanceof CommandFailure)) throw error;
    problems.push(error.message);
  }
  const { pools } = await readSavedPools(variables.dataDir);
  const rows = workspace ? credentialRows(workspace, pools, Date.now()) : [];
  return { dataDir: variables.dataDir, variables, workspace, rows, problems };
}

/** The header's summary of a session. */
export function summarize(session: Session): HeaderSummary {
  const merged = session.variables.merged;
  return {
    host: merged.PROXY_HOST?.trim() || "127.0.0.1",
    port: merged.PROXY_PORT?.trim() || "8000",
    clientKeySet: (merged.PROXY_API_KEY ?? "").trim() !== "",
    rows: session.rows,
    problems: session.problems,
  };
}
