/**
 * `proxy config check`: every problem of a set of variables, not just the first. Each parser of this
 * folder stops at its first problem, so a variable that fails is set aside and parsing runs again.
 */
import { ConfigError } from "../errors.ts";
import { discoverProviders } from "./load.ts";
import { parseOAuthSettings } from "./oauth.ts";
import { parseModelPrices } from "./pricing.ts";
import { parseRotationSettings } from "./rotation.ts";
import { settingsSchema } from "./schema.ts";

/** One finding: an error stops the server from starting or a provider from working; a warning does not. */
export interface ConfigProblem {
  severity: "error" | "warning";
  /** The variable (or file) concerned. */
  variable: string;
  message: string;
}

/** Options of {@link checkVariables}. */
export interface CheckVariablesOptions {
  /** Ids of the built-in providers (the registry lives outside this folder). */
  knownProviders: ReadonlySet<string>;
  /** Built-in providers whose accounts sign in with OAuth: they need no key. @default none */
  oauthProviders?: ReadonlySet<string>;
}

/** Most problems one parser may report before the check gives up on it. */
const MAX_ROUNDS = 100;

/** Every problem of `variables` (the merged `.env` and process environment). */
export function checkVariables(
  variables: Readonly<Record<string, string>>,
  options: CheckVariablesOptions,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const error = (variable: string, message: string) =>
    problems.push({ severity: "error", variable, message });
  const warning = (variable: string, message: string) =>
    problems.push({ severity: "warning", variable, message });

  for (const [name, schema] of Object.entries(settingsSchema.shape)) {
    const value = variables[name];
    if (value === undefined || value.trim() === "") continue;
    const result = schema.safeParse(value);
    if (!result.success) error(name, `${result.error.issues[0].message} (got "${value}")`);
  }

  const remaining = { ...variables };
  const providers = retrying(remaining, problems, () => discoverProviders(remaining)) ?? [];
  const ids = providers.map((provider) => provider.id);
  const rotation = retrying(remaining, problems, () => parseRotationSettings(remaining, ids));
  retrying(remaining, problems, () => parseOAuthSettings(remaining));
  try {
    parseModelPrices(variables.MODEL_PRICES);
  } catch (caught) {
    if (!(caught instanceof ConfigError)) throw caught;
    error("MODEL_PRICES", problemOf(caught));
  }

  if ((variables.PROXY_API_KEY ?? "").trim() === "") {
    warning("PROXY_API_KEY", "is not set; the server generates one on its first start");
  }
  const usable = new Set<string>();
  for (const provider of providers) {
    const upper = provider.id.toUpperCase();
    const known = options.knownProviders.has(provider.id);
    if (!known && provider.baseUrl === null) {
      warning(
        `${upper}_API_KEY`,
        `"${provider.id}" is not a built-in provider and ${upper}_API_BASE is not set, so the key is ignored`,
      );
      continue;
    }
    if (provider.apiKeys.length === 0 && options.oauthProviders?.has(provider.id)) {
      usable.add(provider.id);
      continue;
    }
    if (provider.apiKeys.length === 0) {
      error(`${upper}_API_BASE`, `provider "${provider.id}" has a base URL but no ${upper}_API_KEY`);
      continue;
    }
    usable.add(provider.id);
    for (const key of provider.apiKeys) {
      if (/\s|^["']|["']$/.test(key.value)) {
        error(key.variable, "contains spaces or quotes; a key is one word");
      }
    }
    const seen = new Map<string, string>();
    for (const [variable, value] of Object.entries(variables)) {
      if (!variable.startsWith(`${upper}_API_KEY`) || variable.endsWith("_PRIORITY")) continue;
      const first = seen.get(value.trim());
      if (first !== undefined) warning(variable, `holds the same key as ${first}; it is used once`);
      else seen.set(value.trim(), variable);
    }
  }
  if (rotation) {
    for (const id of rotation.providers.keys()) {
      if (!usable.has(id)) {
        warning(
          settingNameFor(variables, id),
          `configures provider "${id}", which has no usable keys`,
        );
      }
    }
    for (const [alias, targets] of rotation.aliases) {
      for (const target of targets) {
        const provider = target.split("/")[0].toLowerCase();
        if (!usable.has(provider)) {
          error(
            aliasVariable(variables, alias),
            `target "${target}" names provider "${provider}", which is not configured`,
          );
        }
      }
    }
  }
  for (const variable of Object.keys(variables)) {
    if (
      /^QUOTA_GROUPS_/.test(variable) &&
      ![...usable].some((id) => variable.startsWith(`QUOTA_GROUPS_${id.toUpperCase()}_`))
    ) {
      warning(variable, "names no configured provider (QUOTA_GROUPS_<PROVIDER>_<GROUP>)");
    }
  }
  return problems;
}

/** Run a parser; on a ConfigError record it, set the variable aside and run it again. */
function retrying<T>(
  variables: Record<string, string>,
  problems: ConfigProblem[],
  parse: () => T,
): T | null {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      return parse();
    } catch (caught) {
      if (!(caught instanceof ConfigError)) throw caught;
      problems.push({ severity: "error", variable: caught.variable, message: problemOf(caught) });
      if (!(caught.variable in variables)) return null;
      delete variables[caught.variable];
    }
  }
  return null;
}

function problemOf(error: ConfigError): string {
  const prefix = `${error.variable}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

function settingNameFor(variables: Readonly<Record<string, string>>, id: string): string {
  const upper = id.toUpperCase();
  return Object.keys(variables).find((name) =>
    name.endsWith(`_${upper}`) || name.includes(`_${upper}_PRIORITY_`) ||
    name.startsWith(`QUOTA_GROUPS_${upper}_`)
  ) ?? upper;
}

function aliasVariable(variables: Readonly<Record<string, string>>, alias: string): string {
  return Object.keys(variables).find((name) => name.toLowerCase() === `model_alias_${alias}`) ??
    `MODEL_ALIAS_${alias.toUpperCase()}`;
}
