/**
 * The command table: `serve` (the default), `credentials …`, `models`, `usage`, `config check`, and
 * the interactive launcher shown with no arguments in a terminal.
 */
import { Command, CommanderError } from "commander";
import { ConfigError } from "../lib/errors.ts";
import { catalogUpdateCommand } from "./catalog.ts";
import { configCheckCommand } from "./config_check.ts";
import { addCredentialsCommands } from "./credentials/mod.ts";
import { CommandFailure, UsageFailure } from "./failure.ts";
import { runLauncher } from "./launcher/mod.ts";
import { modelsCommand } from "./models.ts";
import { complain } from "./output.ts";
import { permissionsCommand } from "./permissions.ts";
import { serveCommand, type ServeOptions } from "./serve.ts";
import { usageCommand } from "./usage.ts";
import { VERSION } from "./version.ts";

const DATA_DIR_HELP = "folder for .env, usage, logs and credentials (PROXY_DATA_DIR)";

/** Build the commander program. */
export function buildProgram(): Command {
  const program = new Command("proxy")
    .description("Self-hosted LLM API gateway: one OpenAI/Anthropic endpoint in front of many providers")
    .version(VERSION, "-V, --version", "print the version")
    .option("--add-credential", "open the launcher's credential menu (needs a terminal)")
    .exitOverride();
  program.command("serve", { isDefault: true })
    .description("run the proxy server (the default; with no arguments in a terminal, the launcher opens)")
    .option("--host <host>", "address to listen on (PROXY_HOST)", undefined)
    .option("--port <port>", "port to listen on (PROXY_PORT)", undefined)
    .option("--data-dir <dir>", DATA_DIR_HELP, undefined)
    .option("--enable-request-logging", "log each request and response (REQUEST_LOGGING)")
    .option("--enable-raw-logging", "log raw upstream traffic, secrets masked (RAW_LOGGING)")
    .option("--sandbox <on|off>", "run the server in a Worker with narrow permissions (default on)")
    .action(async (options: ServeOptions) => {
      await serveCommand(options);
    });
  addCredentialsCommands(program);
  program.command("models").description("the models every configured provider lists, after filters")
    .option("--provider <id>", "only this provider")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((options: { provider?: string; json?: boolean; dataDir?: string }) => modelsCommand(options));
  program.command("usage").description("quota and usage per credential, from local files or a running proxy")
    .option("--remote <url>", "a running proxy's URL (or a saved remote's name): reads its /v1/quota-stats")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((options: { remote?: string; json?: boolean; dataDir?: string }) => usageCommand(options));
  program.command("permissions")
    .description("the permissions the server runs with, computed from the configuration")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((options: { dataDir?: string; json?: boolean }) => permissionsCommand(options));
  program.command("catalog").description("the model catalog (prices, context windows, capabilities)")
    .command("update").description("fetch the models.dev catalog into the data directory (when online)")
    .option("--url <url>", "where to fetch it from (default https://models.dev/api.json)")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((options: { dataDir?: string; url?: string }) => catalogUpdateCommand(options));
  const config = program.command("config").description("configuration tools");
  config.command("check").description("validate the configuration and explain each problem (exit 0 or 1)")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((options: { dataDir?: string; json?: boolean }) => configCheckCommand(options));
  return program;
}

/** Whether both ends of the session are a terminal (the launcher needs one). */
function inTerminal(): boolean {
  return Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
}

/**
 * `--add-credential [--data-dir D]`: the old flag, kept as an alias that opens the launcher's
 * credential menu. Returns null when the arguments are not that form.
 */
function addCredentialAlias(args: readonly string[]): { dataDir?: string } | null {
  if (!args.includes("--add-credential")) return null;
  const rest = args.filter((arg) => arg !== "--add-credential");
  if (rest.length === 0) return {};
  if (rest.length === 2 && rest[0] === "--data-dir") return { dataDir: rest[1] };
  if (rest.length === 1 && rest[0].startsWith("--data-dir=")) return { dataDir: rest[0].slice(11) };
  throw new UsageFailure("--add-credential takes only --data-dir <dir>");
}

/** Run the command line; returns the process exit code. */
export async function runCli(args: string[]): Promise<number> {
  try {
    const alias = addCredentialAlias(args);
    if (alias !== null) {
      if (!inTerminal()) {
        throw new UsageFailure("--add-credential needs a terminal; use proxy credentials add-key");
      }
      return await runLauncher({ dataDir: alias.dataDir, startIn: "credentials" });
    }
    if (args.length === 0 && inTerminal()) return await runLauncher({});
    await buildProgram().parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    return exitCodeFor(error);
  }
}

/** Print an error as one line and choose the exit code: 1 failure, 2 usage error. */
function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof CommandFailure) {
    complain(`error: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    complain(`error: ${error.message}`);
    return 2;
  }
  if (error instanceof Deno.errors.AddrInUse) {
    complain(`error: ${error.message} (choose another --port)`);
    return 2;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    complain(`error: ${error.message}`);
    return 2;
  }
  // Anything else is still one readable line, never a stack trace.
  complain(`error: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
