/** `usage [--remote URL] [--json]`: the quota and usage table, from local files or a running proxy. */
import { readQuotaViewerConfig, type RemoteProxy } from "../lib/config/quota_viewer_config.ts";
import { ConfigError } from "../lib/errors.ts";
import { CommandFailure, UsageFailure } from "./failure.ts";
import { complain, say } from "./output.ts";
import type { Fetch } from "./provider_listing.ts";
import { readSavedPools } from "./saved_pools.ts";
import {
  renderUsageRows,
  type UsageRow,
  usageRowsFromPools,
  usageRowsFromQuotaStats,
  usageRowsJson,
} from "./usage_rows.ts";
import { validateUrl } from "./validation.ts";
import { openWorkspace, type Workspace } from "./workspace.ts";

/** The usage rows of the local data directory. */
export async function localUsage(
  workspace: Workspace,
  nowMs: number,
): Promise<{ rows: UsageRow[]; problems: string[] }> {
  const { pools, problems } = await readSavedPools(workspace.variables.dataDir);
  return {
    rows: usageRowsFromPools(pools, { nowMs, usageResetUtcHour: workspace.rotation.usageResetUtcHour }),
    problems,
  };
}

/** Ask a running proxy for its `/v1/quota-stats`. Throws {@link CommandFailure}. */
export async function remoteUsage(
  remote: { url: string; apiKey?: string },
  options: { fetch?: Fetch; nowMs?: number; timeoutMs?: number } = {},
): Promise<UsageRow[]> {
  const { fetch = globalThis.fetch, timeoutMs = 10_000 } = options;
  const root = remote.url.trim().replace(/\/+$/, "").replace(/\/v1$/, "");
  let response: Response;
  try {
    response = await fetch(`${root}/v1/quota-stats`, {
      headers: remote.apiKey ? { authorization: `Bearer ${remote.apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = (error as Error).name === "TimeoutError" ? "no answer in time" : (error as Error).message;
    throw new CommandFailure(`cannot reach ${root}: ${reason.split("\n")[0]}`);
  }
  const text = await response.text();
  if (response.status === 401) throw new CommandFailure(`${root} refused the client key (HTTP 401)`);
  if (!response.ok) throw new CommandFailure(`${root} answered HTTP ${response.status}`);
  try {
    return usageRowsFromQuotaStats(JSON.parse(text), options.nowMs ?? Date.now());
  } catch (error) {
    throw new CommandFailure(`${root} did not send quota statistics: ${(error as Error).message}`);
  }
}

/** The saved remote named (or addressed) by `reference`, or an ad-hoc one for a URL. */
export function pickRemote(
  remotes: readonly RemoteProxy[],
  reference: string,
  fallbackKey: string | undefined,
): { url: string; apiKey?: string; name: string } {
  const saved = remotes.find((remote) => remote.name === reference || remote.url === reference);
  if (saved) return { url: saved.url, apiKey: saved.apiKey ?? fallbackKey, name: saved.name };
  if (validateUrl(reference) !== undefined) {
    throw new UsageFailure(`--remote "${reference}" is neither a URL nor a saved remote proxy`);
  }
  return { url: reference, apiKey: fallbackKey, name: reference };
}

/** The command. */
export async function usageCommand(
  options: { remote?: string; json?: boolean; dataDir?: string },
): Promise<void> {
  const workspace = await openWorkspace(options.dataDir);
  const nowMs = Date.now();
  let rows: UsageRow[];
  let source = "local";
  if (options.remote !== undefined) {
    let remotes: RemoteProxy[] = [];
    try {
      remotes = (await readQuotaViewerConfig(workspace.variables.dataDir)).remotes;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      complain(`warning: ${error.message}`);
    }
    const remote = pickRemote(remotes, options.remote, workspace.variables.merged.PROXY_API_KEY);
    rows = await remoteUsage(remote, { nowMs });
    source = remote.url;
  } else {
    const local = await localUsage(workspace, nowMs);
    for (const problem of local.problems) complain(`warning: ${problem}`);
    rows = local.rows;
  }
  if (options.json) say(JSON.stringify(usageRowsJson(rows, nowMs, source), null, 2));
  else for (const line of renderUsageRows(rows, nowMs)) say(line);
}
