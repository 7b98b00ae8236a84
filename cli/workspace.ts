/**
 * What most commands start from: the data directory's variables, the providers they configure and
 * the rotation settings, read without generating or writing anything.
 */
import { discoverProviders } from "../lib/config/load.ts";
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
    const providers = resolveProviders(settings);
    const rotation = parseRotationSettings(variables.merged, providers.map((provider) => provider.id));
    return { variables, settings, providers, rotation };
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
