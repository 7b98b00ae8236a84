/** `credentials add-provider <name> --base <url>`: a custom OpenAI-compatible provider in `.env`. */
import { updateEnvFile } from "../../lib/config/env_file.ts";
import { type DataDirVariables, readDataDirVariables } from "../../lib/config/variables.ts";
import { KNOWN_PROVIDERS } from "../../providers/mod.ts";
import { UsageFailure } from "../failure.ts";
import { say } from "../output.ts";
import { splitList, validateKey, validateModelList, validateName, validateUrl } from "../validation.ts";
import { nextKeyVariable, providerPrefix } from "./key_variables.ts";

/** A custom provider to add. */
export interface CustomProviderInput {
  name: string;
  baseUrl: string;
  /** Models to list (for servers without `/models`). */
  models?: string[];
  /** A first key (any value for a server that needs none). */
  key?: string;
}

/** Check the input; returns the problem or undefined. */
export function customProviderProblem(
  input: CustomProviderInput,
  variables: Readonly<Record<string, string>>,
): string | undefined {
  const nameProblem = validateName(input.name);
  if (nameProblem !== undefined) return `name "${input.name}": ${nameProblem}`;
  const id = input.name.toLowerCase();
  if (KNOWN_PROVIDERS.has(id)) {
    return `"${id}" is a built-in provider; to move it elsewhere set ${providerPrefix(id)}_API_BASE in .env`;
  }
  const urlProblem = validateUrl(input.baseUrl);
  if (urlProblem !== undefined) return `--base "${input.baseUrl}": ${urlProblem}`;
  const existing = variables[`${providerPrefix(id)}_API_BASE`];
  if (existing !== undefined && existing.trim() !== "") {
    return `provider "${id}" already exists (${providerPrefix(id)}_API_BASE=${existing})`;
  }
  if (input.key !== undefined && validateKey(input.key) !== undefined) return validateKey(input.key);
  return undefined;
}

/** Write the provider's variables to `.env`; returns the names written. */
export async function addCustomProvider(
  variables: DataDirVariables,
  input: CustomProviderInput,
): Promise<string[]> {
  const problem = customProviderProblem(input, variables.merged);
  if (problem !== undefined) throw new UsageFailure(problem);
  const prefix = providerPrefix(input.name);
  const values: Record<string, string> = { [`${prefix}_API_BASE`]: input.baseUrl.trim().replace(/\/+$/, "") };
  if (input.models && input.models.length > 0) values[`${prefix}_MODELS`] = input.models.join(",");
  if (input.key !== undefined) values[nextKeyVariable(input.name, variables.merged)] = input.key.trim();
  await Deno.mkdir(variables.dataDir, { recursive: true });
  await updateEnvFile(variables.envPath, values);
  return Object.keys(values);
}

/** The command. */
export async function addProviderCommand(
  name: string,
  options: { base?: string; models?: string; dataDir?: string },
): Promise<void> {
  if (options.base === undefined) throw new UsageFailure("--base <url> is required");
  if (options.models !== undefined && validateModelList(options.models) !== undefined) {
    throw new UsageFailure(`--models: ${validateModelList(options.models)}`);
  }
  const variables = await readDataDirVariables(options.dataDir);
  const written = await addCustomProvider(variables, {
    name,
    baseUrl: options.base,
    models: options.models === undefined ? undefined : splitList(options.models),
  });
  say(`Added provider ${name.toLowerCase()} (${written.join(", ")}) to ${variables.envPath}`);
  if (!written.some((variable) => variable.includes("_API_KEY"))) {
    say(`Next: proxy credentials add-key ${name.toLowerCase()} (any value for a server that needs no key)`);
  }
}
