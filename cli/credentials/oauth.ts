/**
 * `credentials login <provider> [--no-browser]`, `credentials import`, `credentials export <provider>`:
 * the command-line face of the OAuth flows in `lib/credentials` (which own the flows themselves).
 */
import { LoginError } from "../../lib/credentials/callback_server.ts";
import { exportCredentials } from "../../lib/credentials/export_credentials.ts";
import { importCredentials } from "../../lib/credentials/home_import.ts";
import { login, loginOptionsFromConfig, type LoginResult } from "../../lib/credentials/login.ts";
import { OAUTH_CLIENTS } from "../../lib/credentials/oauth_clients.ts";
import { CommandFailure, UsageFailure } from "../failure.ts";
import { say } from "../output.ts";
import { pastedUrlReader } from "./pasted_url.ts";
import { openWorkspace, type Workspace } from "../workspace.ts";

/** Providers whose accounts sign in with OAuth. */
export function oauthProviders(): string[] {
  return [...OAUTH_CLIENTS.keys()].sort();
}

function requireOAuthProvider(provider: string): string {
  const id = provider.toLowerCase();
  if (OAUTH_CLIENTS.has(id)) return id;
  throw new UsageFailure(
    `"${provider}" has no OAuth sign-in (OAuth providers: ${oauthProviders().join(", ")})`,
  );
}

/** Sign in to `provider` and store the account; `print` shows the URL (and code) to the user. */
export async function signIn(
  workspace: Workspace,
  provider: string,
  options: { noBrowser?: boolean; print: (line: string) => void; pasteFromStdin?: boolean },
): Promise<LoginResult> {
  const id = requireOAuthProvider(provider);
  try {
    return await login(id, {
      ...loginOptionsFromConfig(
        { dataDir: workspace.variables.dataDir, oauth: workspace.oauth, providers: workspace.settings },
        id,
      ),
      noBrowser: options.noBrowser,
      print: options.print,
      // On a remote machine the user pastes the URL of the localhost page their browser failed to load,
      // while the callback server still waits (a forwarded port works too): whichever comes first wins.
      ...(options.pasteFromStdin ? { readPastedUrl: pastedUrlReader() } : {}),
      // No browser to open on a headless machine: the URL printed above is the way in.
      openBrowser: (url) => openBrowserQuietly(url),
    });
  } catch (error) {
    if (error instanceof LoginError) throw new CommandFailure(`login failed: ${error.message}`);
    throw error;
  }
}

async function openBrowserQuietly(url: string): Promise<void> {
  const [command, ...args] = Deno.build.os === "darwin"
    ? ["open", url]
    : Deno.build.os === "windows"
    ? ["cmd", "/c", "start", "", url]
    : ["xdg-open", url];
  try {
    await new Deno.Command(command, { args, stdin: "null", stdout: "null", stderr: "null" }).output();
  } catch {
    // No opener installed: the printed URL is enough.
  }
}

/** `credentials login`. */
export async function loginCommand(
  provider: string,
  options: { browser?: boolean; dataDir?: string },
): Promise<void> {
  requireOAuthProvider(provider);
  const workspace = await openWorkspace(options.dataDir);
  // The flow itself prints the URL or code, then whom it signed in and where the account was saved.
  const noBrowser = options.browser === false;
  await signIn(workspace, provider, { noBrowser, print: say, pasteFromStdin: noBrowser });
}

/** Import vendor CLI files found in the home folder; returns one line per account. */
export async function importAccounts(workspace: Workspace, provider?: string): Promise<string[]> {
  if (provider !== undefined) requireOAuthProvider(provider);
  const home = workspace.oauth.home;
  if (home === null) {
    throw new CommandFailure("HOME is not set, so there is no vendor CLI folder to import from");
  }
  const imported = await importCredentials({
    dataDir: workspace.variables.dataDir,
    home,
    provider: provider?.toLowerCase(),
  });
  return imported.map((account) =>
    `${
      account.replaced ? "Updated" : "Imported"
    } ${account.provider} account ${account.account} from ${account.source}`
  );
}

/** `credentials import`. */
export async function importCommand(options: { provider?: string; dataDir?: string }): Promise<void> {
  const workspace = await openWorkspace(options.dataDir);
  const lines = await importAccounts(workspace, options.provider);
  if (lines.length === 0) say("No vendor CLI credentials found to import.");
  for (const line of lines) say(line);
}

/** `credentials export`: the only command that prints tokens, as a `.env` block for stateless deployments. */
export async function exportCommand(provider: string, options: { dataDir?: string }): Promise<void> {
  const id = requireOAuthProvider(provider);
  const workspace = await openWorkspace(options.dataDir);
  const block = await exportCredentials(id, {
    dataDir: workspace.variables.dataDir,
    env: workspace.oauth.credentialVariables,
  });
  if (block.trim() === "") throw new CommandFailure(`no ${id} accounts to export`);
  say(block.trimEnd());
}
