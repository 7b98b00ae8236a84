/** The command table: `serve` (the default) and, later, credentials, models, usage and the launcher. */
import { Command, CommanderError } from "commander";
import { ConfigError } from "../lib/errors.ts";
import { complain } from "./output.ts";
import { serveCommand } from "./serve.ts";

/** Build the commander program. */
export function buildProgram(): Command {
  const program = new Command("proxy")
    .description("Self-hosted LLM API gateway: one OpenAI/Anthropic endpoint in front of many providers")
    .exitOverride();
  program.command("serve", { isDefault: true })
    .description("run the proxy server (the default)")
    .option("--host <host>", "address to listen on (PROXY_HOST)", undefined)
    .option("--port <port>", "port to listen on (PROXY_PORT)", undefined)
    .option("--data-dir <dir>", "folder for .env, usage, logs and credentials (PROXY_DATA_DIR)", undefined)
    .action(async (options: { host?: string; port?: string; dataDir?: string }) => {
      await serveCommand(options);
    });
  return program;
}

/** Run the command line; returns the process exit code. */
export async function runCli(args: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      complain(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof Deno.errors.AddrInUse) {
      complain(`error: ${error.message} (choose another --port)`);
      return 2;
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      complain(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
