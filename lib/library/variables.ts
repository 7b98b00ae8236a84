/**
 * How the options of a `RotatingClient` become the same variables the server reads from its environment
 * (`OPENAI_API_KEY_1`, `MYLOCAL_API_BASE`, `GLOBAL_TIMEOUT`, …), so that one parser (`lib/config`) builds
 * the configuration of both. Nothing here reads the process environment or a file.
 */
import { OAUTH_CLIENTS } from "../credentials/oauth_clients.ts";
import { ConfigError } from "../errors.ts";
import { RotatingClientError } from "./errors.ts";
import type { OAuthAccount, RotatingClientOptions } from "./options.ts";

/** Variables of the options that name them, for error messages in the library's words. */
const OPTION_OF_VARIABLE: Readonly<Record<string, string>> = {
  GLOBAL_TIMEOUT: "globalTimeout",
  MAX_RETRIES: "maxRetries",
  PROXY_LOG_LEVEL: "logLevel",
};

const PROVIDER_ID = /^[a-z][a-z0-9_]*$/i;

/**
 * The variables the options stand for. `proxyApiKey` authorizes the in-process calls (it never leaves
 * the process). Throws `ConfigError` naming the option at fault.
 */
export function variablesFromOptions(
  options: RotatingClientOptions,
  proxyApiKey: string,
): Record<string, string> {
  const { apiKeys = {}, apiBases = {}, globalTimeout, maxRetries, settings = {}, logLevel = "warn" } =
    options;
  if (typeof apiKeys !== "object" || apiKeys === null) {
    throw new ConfigError("apiKeys", 'must be an object such as { openai: ["sk-…"] }');
  }
  const variables: Record<string, string> = { ...settings };
  for (const [id, keys] of Object.entries(apiKeys)) {
    const prefix = providerPrefix("apiKeys", id);
    const list = typeof keys === "string" ? [keys] : keys;
    if (!Array.isArray(list) || list.some((key) => typeof key !== "string")) {
      throw new ConfigError(`apiKeys.${id}`, "must be a key or an array of keys");
    }
    list.forEach((key, index) => variables[`${prefix}_API_KEY_${index + 1}`] = key);
  }
  if (options.oauth !== undefined && typeof options.oauth !== "string") {
    Object.assign(variables, oauthVariables(options.oauth));
  }
  for (const [id, base] of Object.entries(apiBases)) {
    if (typeof base !== "string") throw new ConfigError(`apiBases.${id}`, "must be a URL");
    variables[`${providerPrefix("apiBases", id)}_API_BASE`] = base;
  }
  if (globalTimeout !== undefined) variables.GLOBAL_TIMEOUT = String(globalTimeout);
  if (maxRetries !== undefined) variables.MAX_RETRIES = String(maxRetries);
  variables.PROXY_LOG_LEVEL = logLevel;
  variables.PROXY_API_KEY = proxyApiKey;
  return variables;
}

/**
 * A `ConfigError` about a variable as the library reports it: a {@link RotatingClientError} with code
 * `invalid_option` and `param` naming the option (or the variable of `settings`) at fault.
 */
export function optionError(error: ConfigError): RotatingClientError {
  const problem = error.message.slice(error.variable.length + 2);
  const base = /^([A-Z][A-Z0-9_]*?)_API_BASE$/.exec(error.variable);
  const option = base ? `apiBases.${base[1].toLowerCase()}` : OPTION_OF_VARIABLE[error.variable] ??
    (error.variable.includes(".") || error.variable === "oauth"
      ? error.variable
      : `settings.${error.variable}`);
  return new RotatingClientError(`${option}: ${problem}`, {
    status: 400,
    type: "invalid_request_error",
    code: "invalid_option",
    param: option,
  });
}

/** The account fields and the variable suffix each becomes (`GEMINI_CLI_1_ACCESS_TOKEN`, …). */
const OAUTH_FIELDS: Readonly<Record<keyof OAuthAccount, string>> = {
  accessToken: "ACCESS_TOKEN",
  refreshToken: "REFRESH_TOKEN",
  expiryDate: "EXPIRY_DATE",
  idToken: "ID_TOKEN",
  accountId: "ACCOUNT_ID",
  email: "EMAIL",
  projectId: "PROJECT_ID",
  tier: "TIER",
  resourceUrl: "RESOURCE_URL",
};

/**
 * Inline OAuth accounts as the numbered variables of a stateless deployment (`<PREFIX>_<N>_…`), which the
 * server's own reader turns into accounts whose refreshed tokens stay in memory.
 */
function oauthVariables(oauth: Readonly<Record<string, readonly OAuthAccount[]>>): Record<string, string> {
  if (typeof oauth !== "object" || oauth === null) {
    throw new ConfigError(
      "oauth",
      "must be a folder or an object such as { gemini_cli: [{ refreshToken }] }",
    );
  }
  const variables: Record<string, string> = {};
  for (const [id, accounts] of Object.entries(oauth)) {
    const client = OAUTH_CLIENTS.get(id);
    if (!client) {
      throw new ConfigError(
        `oauth.${id}`,
        `not an OAuth provider (OAuth providers: ${[...OAUTH_CLIENTS.keys()].sort().join(", ")})`,
      );
    }
    if (!Array.isArray(accounts)) throw new ConfigError(`oauth.${id}`, "must be an array of accounts");
    accounts.forEach((account: unknown, index) => {
      const at = `oauth.${id}[${index}]`;
      if (typeof account !== "object" || account === null) throw new ConfigError(at, "must be an object");
      const fields = account as Record<string, unknown>;
      for (const [name, value] of Object.entries(fields)) {
        const suffix = OAUTH_FIELDS[name as keyof OAuthAccount];
        if (suffix === undefined) {
          throw new ConfigError(
            `${at}.${name}`,
            `is not an account field (${Object.keys(OAUTH_FIELDS).join(", ")})`,
          );
        }
        if (value === undefined) continue;
        const valid = name === "expiryDate" ? Number.isFinite(value) : typeof value === "string";
        if (!valid) {
          throw new ConfigError(
            `${at}.${name}`,
            name === "expiryDate" ? "must be epoch milliseconds" : "must be a string",
          );
        }
        variables[`${client.envPrefix}_${index + 1}_${suffix}`] = String(value);
      }
      if (typeof fields.accessToken !== "string" && typeof fields.refreshToken !== "string") {
        throw new ConfigError(at, "needs an accessToken or a refreshToken");
      }
    });
  }
  return variables;
}

function providerPrefix(option: string, id: string): string {
  if (!PROVIDER_ID.test(id)) {
    throw new ConfigError(
      `${option}.${id}`,
      "a provider id is letters, digits and _ (e.g. openai, my_local)",
    );
  }
  return id.toUpperCase();
}
