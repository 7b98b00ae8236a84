/**
 * What most commands start from: the data directory's variables, the providers they configure and
 * the rotation settings, read without generating or writing anything.
 */
import { discoverProviders } from "../lib/config/load.ts";
import { type OAuthSettings, parseOAuthSettings } from "../lib/config/oauth.ts";
import { oauthAuthorizer } from "../lib/credentials/authorizer.ts";
import { OAuthAccounts } from "../lib/credentials/oauth_accounts.ts";
import type { Authorize } from "../lib/rotator/upstream_client.ts";
import { parseRotationSettings, type RotationSettings } from "../lib/config/rotation.ts";
import type { ProviderSetting } from "../lib/config/schema.ts";
import { type DataDirVariables, readDataDirVariables } from "../lib/config/variables.ts";
import { ConfigError } from "../lib/errors.ts";
import { type ConfiguredProvider, KNOWN_PROVIDERS, resolveProviders } from "../providers/mod.ts";
import { CommandFailure } from "./failure.ts";

/** The configuration a command works on. */
export interface Workspace {
  variables: DataDirVariables;
  /** Every provider the variables name, including ones that will be ignored. */
  settings: ProviderSetting[];
  /** Providers that would serve calls (built in or with a base URL, and with a key). */
  providers: ConfiguredProvider[];
  rotation: RotationSettings;
  oauth: OAuthSettings;
  /** OAuth accounts of `oauth_creds/` and the environment (loaded, not refreshed). */
  accounts: OAuthAccounts;
  /** Access tokens for live calls: an API key is its own, an OAuth account's is refreshed when due. */
  authorize: Authorize;
}

/** Read the workspace of a data directory; a broken configuration is a one-line failure. */
export async function openWorkspace(dataDir: string | undefined): Promise<Workspace> {
  let variables: DataDirVariables;
  try {
    variables = await readDataDirVariables(dataDir);
  } catch (error) {
    throw new CommandFailure(`cannot read the configuration: ${(error as Error).message}`);
  }
  try {
    const settings = discoverProviders(variables.merged);
    const oauth = parseOAuthSettings(variables.merged);
    const accounts = new OAuthAccounts({
      dataDir: variables.dataDir,
      env: oauth.credentialVariables,
      oauthBases: oauth.oauthBases,
    });
    await accounts.load();
    const providers = resolveProviders(settings, { oauthCredentials: (id) => accounts.credentials(id) });
    const rotation = parseRotationSettings(variables.merged, providers.map((provider) => provider.id));
    return {
      variables,
      settings,
      providers,
      rotation,
      oauth,
      accounts,
      authorize: oauthAuthorizer(accounts),
    };
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CommandFailure(`${error.message} (run \`proxy config check\` to see every problem)`);
    }
    throw error;
  }
}

/** Whether a provider id is built in. */
export function isKnownProvider(id: string): boolean {
  return KNOWN_PROVIDERS.has(id);
}

/** The configured provider with this id, or a failure that lists the configured ones. */
export function requireProvider(workspace: Workspace, id: string): ConfiguredProvider {
  const provider = workspace.providers.find((candidate) => candidate.id === id.toLowerCase());
  if (provider) return provider;
  const names = workspace.providers.map((candidate) => candidate.id).join(", ") || "none";
  throw new CommandFailure(`provider "${id}" is not configured (configured: ${names})`);
}
