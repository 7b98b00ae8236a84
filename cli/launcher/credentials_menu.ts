/** Launcher → Credentials: list, add a key, add a custom provider, remove, test. */
import { log, note, spinner } from "@clack/prompts";
import { addApiKey, keyTargets } from "../credentials/add_key.ts";
import { addCustomProvider, customProviderProblem } from "../credentials/add_provider.ts";
import { renderCredentialRows } from "../credentials/credential_rows.ts";
import { importAccounts, oauthProviders, signIn } from "../credentials/oauth.ts";
import { removeCredential } from "../credentials/remove.ts";
import { renderTestResults, testCredentials } from "../credentials/test.ts";
import { CommandFailure } from "../failure.ts";
import { splitList, validateKey, validateModelList, validateUrl } from "../validation.ts";
import { ask, askSecret, askYesNo, choose } from "./prompts.ts";
import { loadSession, type Session } from "./session.ts";

type CredentialsChoice =
  | "list"
  | "add_key"
  | "login"
  | "import"
  | "add_provider"
  | "remove"
  | "test"
  | "back";

/** The Credentials menu; returns when the user goes back. */
export async function credentialsMenu(dataDir: string): Promise<void> {
  while (true) {
    const session = await loadSession(dataDir);
    const choice = await choose<CredentialsChoice>("Credentials", [
      { value: "list", label: "List credentials", hint: `${session.rows.length} configured` },
      { value: "add_key", label: "Add an API key" },
      { value: "login", label: "Sign in with an OAuth account", hint: oauthProviders().join(", ") },
      { value: "import", label: "Import accounts from vendor CLIs", hint: "~/.codex, ~/.gemini, ~/.qwen" },
      { value: "add_provider", label: "Add a custom provider", hint: "OpenAI-compatible" },
      { value: "remove", label: "Remove a credential" },
      { value: "test", label: "Test credentials", hint: "one cheap live call each" },
      { value: "back", label: "Back" },
    ]);
    if (choice === "back") return;
    try {
      if (choice === "list") note(renderCredentialRows(session.rows, Date.now()).join("\n"), "Credentials");
      else if (choice === "add_key") await addKeyFlow(session);
      else if (choice === "login") await loginFlow(session);
      else if (choice === "import") await importFlow(session);
      else if (choice === "add_provider") await addProviderFlow(session);
      else if (choice === "remove") await removeFlow(session);
      else await testFlow(session);
    } catch (error) {
      if (!(error instanceof CommandFailure) || error.exitCode === 130) throw error;
      log.error(error.message);
    }
  }
}

async function addKeyFlow(session: Session): Promise<void> {
  const targets = keyTargets(session.variables.merged);
  const counts = new Map<string, number>();
  for (const row of session.rows) counts.set(row.provider, (counts.get(row.provider) ?? 0) + 1);
  const provider = await choose(
    "Provider",
    targets.map((id) => ({
      value: id,
      label: id,
      hint: counts.has(id) ? `${counts.get(id)} configured` : undefined,
    })),
  );
  const key = await askSecret(`API key for ${provider}`, validateKey);
  const added = await addApiKey(session.variables, { provider, key });
  log.success(`Added ${added.variable} (${added.label})`);
}

async function loginFlow(session: Session): Promise<void> {
  if (!session.workspace) throw new CommandFailure("the configuration does not load; fix it first");
  const provider = await choose("Sign in to", [
    ...oauthProviders().map((id) => ({ value: id, label: id })),
    { value: "", label: "Back" },
  ]);
  if (provider === "") return;
  // The flow prints the sign-in URL (and a code for device logins) and opens a browser when there is one.
  await signIn(session.workspace, provider, { print: (line) => log.message(line) });
}

async function importFlow(session: Session): Promise<void> {
  if (!session.workspace) throw new CommandFailure("the configuration does not load; fix it first");
  const lines = await importAccounts(session.workspace);
  if (lines.length === 0) log.info("No vendor CLI credentials found to import.");
  else log.success(lines.join("\n"));
}

async function addProviderFlow(session: Session): Promise<void> {
  const merged = session.variables.merged;
  const name = await ask("Provider name", {
    placeholder: "mylocal",
    validate: (value) => customProviderProblem({ name: value, baseUrl: "http://placeholder" }, merged),
  });
  const baseUrl = await ask("Base URL (as the OpenAI SDK takes it, with /v1)", {
    placeholder: "http://127.0.0.1:1234/v1",
    validate: validateUrl,
  });
  const models = await ask("Models (comma list; empty to use its /models)", { validate: validateModelList });
  const key = await askSecret("API key (any value for a server that needs none)", validateKey);
  const written = await addCustomProvider(session.variables, {
    name,
    baseUrl,
    models: splitList(models),
    key,
  });
  log.success(`Added provider ${name.toLowerCase()}: ${written.join(", ")}`);
}

async function removeFlow(session: Session): Promise<void> {
  if (session.rows.length === 0) {
    log.warn("No credentials to remove.");
    return;
  }
  const index = await choose("Remove which credential?", [
    ...session.rows.map((row, position) => ({
      value: position,
      label: `${row.provider} ${row.variable} ${row.label}`,
      hint: row.source === "environment" ? "set by the environment" : undefined,
    })),
    { value: -1, label: "Back" },
  ]);
  if (index === -1) return;
  const row = session.rows[index];
  if (!await askYesNo(`Remove ${row.variable} (${row.label})?`)) return;
  if (!session.workspace) throw new CommandFailure("the configuration does not load; fix it first");
  await removeCredential(session.workspace, row);
  log.success(`Removed ${row.variable}`);
}

async function testFlow(session: Session): Promise<void> {
  if (!session.workspace || session.workspace.providers.length === 0) {
    log.warn("No credentials to test.");
    return;
  }
  const progress = spinner();
  progress.start("Testing credentials");
  const results = await testCredentials(session.workspace);
  progress.stop("Tested");
  note(renderTestResults(results).join("\n"), "Results");
}
