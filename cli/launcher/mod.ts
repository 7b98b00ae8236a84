/**
 * The interactive launcher (`proxy` with no arguments in a terminal): a header with the state of the
 * proxy, then the main menu. Each menu lives in its own file; this file is the loop.
 */
import { cancel, intro, log, note, outro } from "@clack/prompts";
import { resolveDataDir } from "../../lib/config/variables.ts";
import { CommandFailure, Interrupted } from "../failure.ts";
import { serveCommand } from "../serve.ts";
import { VERSION } from "../version.ts";
import { advancedMenu } from "./advanced_menu.ts";
import { credentialsMenu } from "./credentials_menu.ts";
import { renderHeader, renderWarnings } from "./header.ts";
import { choose } from "./prompts.ts";
import { proxySettingsMenu } from "./proxy_settings.ts";
import { quotaMenu } from "./quota_menu.ts";
import { loadSession, summarize } from "./session.ts";
import { checkDataDir } from "../config_check.ts";

/** Options of {@link runLauncher}. */
export interface LauncherOptions {
  /** `--data-dir`. @default PROXY_DATA_DIR or the working directory */
  dataDir?: string;
  /** Open this menu first (`--add-credential` opens the credentials menu). */
  startIn?: "credentials";
}

type MainChoice = "run" | "settings" | "credentials" | "advanced" | "quota" | "reload" | "exit";

/** Run the launcher; returns the exit code (130 after Ctrl-C). */
export async function runLauncher(options: LauncherOptions): Promise<number> {
  const dataDir = resolveDataDir(options.dataDir);
  await Deno.mkdir(dataDir, { recursive: true });
  intro(`LLM proxy ${VERSION}`);
  try {
    if (options.startIn === "credentials") await credentialsMenu(dataDir);
    while (true) {
      const session = await loadSession(dataDir);
      const summary = summarize(session);
      note(renderHeader(summary).join("\n"), session.dataDir);
      const warnings = renderWarnings(summary);
      if (warnings) log.warn(warnings.join("\n"));
      const choice = await choose<MainChoice>("What next?", [
        { value: "run", label: "Run proxy" },
        { value: "settings", label: "Proxy settings", hint: "host, port, client key, logging" },
        { value: "credentials", label: "Credentials" },
        { value: "advanced", label: "Providers and advanced settings" },
        { value: "quota", label: "Quota and usage" },
        { value: "reload", label: "Reload configuration" },
        { value: "exit", label: "Exit" },
      ]);
      if (choice === "exit") {
        outro("Bye");
        return 0;
      }
      if (choice === "run") {
        outro("Starting the proxy (Ctrl-C stops it)");
        await serveCommand({ dataDir });
        return 0;
      }
      try {
        if (choice === "settings") await proxySettingsMenu(dataDir);
        else if (choice === "credentials") await credentialsMenu(dataDir);
        else if (choice === "advanced") await advancedMenu(dataDir);
        else if (choice === "quota") await quotaMenu(dataDir);
        else await reload(dataDir);
      } catch (error) {
        if (!(error instanceof CommandFailure) || error instanceof Interrupted) throw error;
        log.error(error.message);
      }
    }
  } catch (error) {
    if (error instanceof Interrupted) {
      cancel("Left the launcher; nothing unsaved was written.");
      return 130;
    }
    throw error;
  }
}

/** Re-read everything and report what `config check` would. */
async function reload(dataDir: string): Promise<void> {
  const session = await loadSession(dataDir);
  const problems = await checkDataDir(session.variables);
  if (problems.length === 0) log.success("Configuration reloaded: no problems.");
  else {note(
      problems.map((problem) => `${problem.severity}: ${problem.variable}: ${problem.message}`).join("\n"),
      "Configuration reloaded",
    );}
}
