/** The `credentials` command group. */
import { Command } from "commander";
import { addKeyCommand } from "./add_key.ts";
import { addProviderCommand } from "./add_provider.ts";
import { listCommand } from "./list.ts";
import { exportCommand, importCommand, loginCommand } from "./oauth.ts";
import { removeCommand } from "./remove.ts";
import { testCommand } from "./test.ts";

const DATA_DIR_HELP = "folder for .env, usage, logs and credentials (PROXY_DATA_DIR)";

/** Add `credentials …` to the program. */
export function addCredentialsCommands(program: Command): void {
  const credentials = program.command("credentials").description(
    "add, list, test and remove provider credentials",
  );
  credentials.command("add-key").description("add an API key as the next <PROVIDER>_API_KEY_<N> in .env")
    .argument("<provider>", "provider id, e.g. openai, or a custom provider")
    .argument("[key]", "the key; asked for without echo (or read from stdin) when left out")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((provider: string, key: string | undefined, options: { dataDir?: string }) =>
      addKeyCommand(provider, key, options)
    );
  credentials.command("add-provider").description("add a custom OpenAI-compatible provider")
    .argument("<name>", "provider name (letters, digits, _): becomes <NAME>_API_BASE")
    .option("--base <url>", "its base URL, as the OpenAI SDK takes it (with /v1)")
    .option("--models <list>", "comma list of models, for servers without /models")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((name: string, options: { base?: string; models?: string; dataDir?: string }) =>
      addProviderCommand(name, options)
    );
  credentials.command("list").description("every credential, masked, with its state")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((options: { json?: boolean; dataDir?: string }) => listCommand(options));
  credentials.command("remove").description("remove a credential from .env")
    .argument("<id>", "its variable (OPENAI_API_KEY_2) or id from credentials list")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((id: string, options: { dataDir?: string }) => removeCommand(id, options));
  credentials.command("login").description(
    "sign in to an OAuth provider's account (URL shown, browser opened)",
  )
    .argument("<provider>", "openai_codex, gemini_cli, antigravity or qwen_code")
    .option("--no-browser", "only print the URL (for a machine without a browser)")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((provider: string, options: { browser?: boolean; dataDir?: string }) =>
      loginCommand(provider, options)
    );
  credentials.command("import").description("import OAuth accounts that vendor CLIs left in your home folder")
    .option("--provider <id>", "only this provider")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((options: { provider?: string; dataDir?: string }) => importCommand(options));
  credentials.command("export").description(
    "print a provider's OAuth accounts as a .env block (shows tokens)",
  )
    .argument("<provider>", "an OAuth provider")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((provider: string, options: { dataDir?: string }) => exportCommand(provider, options));
  credentials.command("test").description(
    "one cheap live call per credential: ok, invalid, rate limited, unreachable",
  )
    .argument("[provider]", "only this provider")
    .option("--json", "print JSON")
    .option("--timeout <seconds>", "bound on each call", "15")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action((provider: string | undefined, options: { json?: boolean; dataDir?: string; timeout?: string }) =>
      testCommand(provider, options)
    );
}
