/** `config check`: validate everything a data directory holds and explain each problem (exit 0 / 1). */
import { checkVariables, type ConfigProblem } from "../lib/config/check.ts";
import { readLauncherConfig } from "../lib/config/launcher_config.ts";
import { readQuotaViewerConfig } from "../lib/config/quota_viewer_config.ts";
import { type DataDirVariables, readDataDirVariables } from "../lib/config/variables.ts";
import { OAUTH_CLIENTS } from "../lib/credentials/oauth_clients.ts";
import { ConfigError } from "../lib/errors.ts";
import { KNOWN_PROVIDERS } from "../providers/mod.ts";
import { CommandFailure } from "./failure.ts";
import { say } from "./output.ts";
import { readSavedPools } from "./saved_pools.ts";

/** Every problem of the data directory: variables, `.env` itself, the JSON settings and usage files. */
export async function checkDataDir(variables: DataDirVariables): Promise<ConfigProblem[]> {
  const problems = checkVariables(variables.merged, {
    knownProviders: new Set(KNOWN_PROVIDERS.keys()),
    oauthProviders: new Set(OAUTH_CLIENTS.keys()),
  });
  try {
    const info = await Deno.stat(variables.envPath);
    if (Deno.build.os !== "windows" && info.mode !== null && (info.mode & 0o077) !== 0) {
      problems.push({
        severity: "warning",
        variable: variables.envPath,
        message: `holds secrets but other users may read it (mode ${(info.mode & 0o777).toString(8)}); ` +
          `run chmod 600`,
      });
    }
    const text = await Deno.readTextFile(variables.envPath);
    text.split("\n").forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) return;
      if (!/^(export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=/.test(trimmed)) {
        problems.push({
          severity: "error",
          variable: `${variables.envPath}:${index + 1}`,
          message: "is not NAME=value (the line is ignored)",
        });
      }
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    problems.push({ severity: "warning", variable: variables.envPath, message: "does not exist yet" });
  }
  for (const read of [readLauncherConfig, readQuotaViewerConfig]) {
    try {
      await read(variables.dataDir);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push({
        severity: "error",
        variable: error.variable,
        message: error.message.slice(error.variable.length + 2),
      });
    }
  }
  const saved = await readSavedPools(variables.dataDir);
  for (const problem of saved.problems) {
    problems.push({ severity: "warning", variable: "usage", message: problem });
  }
  return problems;
}

/** The command: one line per problem; exit 1 when any is an error. */
export async function configCheckCommand(options: { dataDir?: string; json?: boolean }): Promise<void> {
  const variables = await readDataDirVariables(options.dataDir);
  const problems = await checkDataDir(variables);
  const errors = problems.filter((problem) => problem.severity === "error").length;
  if (options.json) {
    say(JSON.stringify({ ok: errors === 0, data_dir: variables.dataDir, problems }, null, 2));
  } else {
    for (const problem of problems) say(`${problem.severity}: ${problem.variable}: ${problem.message}`);
    if (problems.length === 0) say(`Configuration in ${variables.dataDir} is valid.`);
  }
  if (errors > 0) throw new CommandFailure(`${errors} error(s) in the configuration`);
}
