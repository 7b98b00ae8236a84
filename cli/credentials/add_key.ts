/** `credentials add-key <provider> [<key>]`: append the next free `<PROVIDER>_API_KEY_<N>` to `.env`. */
import { updateEnvFile } from "../../lib/config/env_file.ts";
import { type DataDirVariables, readDataDirVariables } from "../../lib/config/variables.ts";
import { maskSecret } from "../../lib/log/logger.ts";
import { KNOWN_PROVIDERS } from "../../providers/mod.ts";
import { CommandFailure, UsageFailure } from "../failure.ts";
import { say } from "../output.ts";
import { readSecret } from "../secret_input.ts";
import { validateKey, validateName } from "../validation.ts";
import { nextKeyVariable, providerPrefix, variableHoldingKey } from "./key_variables.ts";

/** What adding a key did. */
export interface AddedKey {
  variable: string;
  /** The key masked. */
  label: string;
  envPath: string;
}

/** Providers a key can be added to: built-in ones and custom ones with a base URL. */
export function keyTargets(variables: Readonly<Record<string, string>>): string[] {
  const custom = Object.keys(variables).flatMap((name) => {
    const match = /^([A-Z][A-Z0-9_]*?)_API_BASE$/.exec(name);
    return match && variables[name].trim() !== "" ? [match[1].toLowerCase()] : [];
  });
  return [...new Set([...KNOWN_PROVIDERS.keys(), ...custom])].sort();
}

/** Check a provider name for `add-key`; returns the problem or undefined. */
export function keyTargetProblem(
  provider: string,
  variables: Readonly<Record<string, string>>,
): string | undefined {
  const problem = validateName(provider);
  if (problem !== undefined) return `"${provider}": ${problem}`;
  if (keyTargets(variables).includes(provider.toLowerCase())) return undefined;
  return `unknown provider "${provider}" (built in: ${[...KNOWN_PROVIDERS.keys()].join(", ")}); ` +
    `add a custom one first with: proxy credentials add-provider ${provider} --base <url>`;
}

/** Add `key` to `provider` in the data directory's `.env`. Throws {@link CommandFailure}. */
export async function addApiKey(
  variables: DataDirVariables,
  input: { provider: string; key: string },
): Promise<AddedKey> {
  const provider = input.provider.toLowerCase();
  const key = input.key.trim();
  const keyProblem = validateKey(key);
  if (keyProblem !== undefined) throw new UsageFailure(keyProblem);
  const existing = variableHoldingKey(provider, key, variables.merged);
  if (existing !== null) throw new CommandFailure(`this key is already configured as ${existing}`);
  const variable = nextKeyVariable(provider, { ...variables.merged, ...variables.file });
  await Deno.mkdir(variables.dataDir, { recursive: true });
  await updateEnvFile(variables.envPath, { [variable]: key });
  return { variable, label: maskSecret(key), envPath: variables.envPath };
}

/** The command: validates the provider, asks for the key when missing, writes `.env`. */
export async function addKeyCommand(
  provider: string,
  key: string | undefined,
  options: { dataDir?: string },
): Promise<void> {
  const variables = await readDataDirVariables(options.dataDir);
  const problem = keyTargetProblem(provider, variables.merged);
  if (problem !== undefined) throw new UsageFailure(problem);
  const secret = key ?? await readSecret(`API key for ${provider}`, (value) => validateKey(value));
  const added = await addApiKey(variables, { provider, key: secret });
  say(`Added ${added.variable} (${added.label}) to ${added.envPath}`);
  if (variables.fromProcess.has(`${providerPrefix(provider)}_API_KEY`)) {
    say("Note: the process environment also sets keys for this provider; both are used.");
  }
}
