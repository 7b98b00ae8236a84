/**
 * Launcher → Quota and usage: per provider and credential the state, cooldowns counting down, today's
 * requests, tokens and estimated cost; from the local usage files or a saved remote proxy.
 */
import { log } from "@clack/prompts";
import {
  type QuotaViewerConfig,
  readQuotaViewerConfig,
  writeQuotaViewerConfig,
} from "../../lib/config/quota_viewer_config.ts";
import { ConfigError } from "../../lib/errors.ts";
import { CommandFailure } from "../failure.ts";
import { localUsage, remoteUsage } from "../usage.ts";
import { renderUsageRows } from "../usage_rows.ts";
import { validateUrl } from "../validation.ts";
import { ask, askSecret, choose, showLive } from "./prompts.ts";
import { loadSession } from "./session.ts";

/** The Quota and usage menu; returns when the user goes back. */
export async function quotaMenu(dataDir: string): Promise<void> {
  while (true) {
    let viewer: QuotaViewerConfig = { remotes: [] };
    try {
      viewer = await readQuotaViewerConfig(dataDir);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log.warn(error.message);
    }
    const choice = await choose<string>("Quota and usage", [
      { value: ":local", label: "This machine", hint: "usage files of the data directory" },
      ...viewer.remotes.map((remote) => ({ value: remote.name, label: remote.name, hint: remote.url })),
      { value: ":add", label: "Add a remote proxy" },
      { value: ":back", label: "Back" },
    ]);
    if (choice === ":back") return;
    try {
      if (choice === ":add") await addRemote(dataDir, viewer);
      else if (choice === ":local") {
        const session = await loadSession(dataDir);
        if (!session.workspace) throw new CommandFailure(session.problems.join("; "));
        const { rows } = await localUsage(session.workspace, Date.now());
        await showLive("Usage (this machine)", () => renderUsageRows(rows, Date.now()));
      } else {
        const remote = viewer.remotes.find((candidate) => candidate.name === choice)!;
        const rows = await remoteUsage(remote);
        await writeQuotaViewerConfig(dataDir, { ...viewer, selected: remote.name });
        await showLive(`Usage (${remote.name})`, () => renderUsageRows(rows, Date.now()));
      }
    } catch (error) {
      if (!(error instanceof CommandFailure) || error.exitCode === 130) throw error;
      log.error(error.message);
    }
  }
}

async function addRemote(dataDir: string, viewer: QuotaViewerConfig): Promise<void> {
  const name = await ask("Name", {
    validate: (value) =>
      value.trim() === ""
        ? "Enter a name"
        : viewer.remotes.some((remote) => remote.name === value.trim())
        ? "A remote of that name exists"
        : undefined,
  });
  const url = await ask("Its URL", { placeholder: "http://10.0.0.5:8000", validate: validateUrl });
  const apiKey = await askSecret("Its client key (PROXY_API_KEY)", () => undefined);
  await writeQuotaViewerConfig(dataDir, {
    ...viewer,
    remotes: [...viewer.remotes, { name, url, ...(apiKey === "" ? {} : { apiKey }) }],
  });
  log.success(`Saved remote ${name}`);
}
