/**
 * OAuth settings: refresh and login timing, per-provider OAuth endpoint moves and callback ports, the
 * variables that hold env credentials, and the home folder vendor CLIs keep their files in.
 */
import { ConfigError } from "../errors.ts";
import { OAUTH_CLIENTS } from "../credentials/oauth_clients.ts";
import { defaultProviderRotation, type RotationSettings } from "./rotation.ts";

/** The OAuth part of the configuration. */
export interface OAuthSettings {
  /** `OAUTH_REFRESH_INTERVAL` in ms. @default 600_000 */
  refreshIntervalMs: number;
  /** `LOGIN_TIMEOUT` in ms. @default 300_000 */
  loginTimeoutMs: number;
  /** `SKIP_OAUTH_INIT_CHECK`: no refresh or project check at start. @default false */
  skipInitCheck: boolean;
  /** `<PROVIDER>_OAUTH_BASE` by provider id. */
  oauthBases: Readonly<Record<string, string>>;
  /** `<PROVIDER>_OAUTH_PORT` by provider id. */
  oauthPorts: Readonly<Record<string, number>>;
  /** `<PROVIDER>_PROJECT_ID` by provider id (a Code Assist account's own project). */
  projectIds: Readonly<Record<string, string>>;
  /** The variables of OAuth providers (`<PREFIX>_…`), where env credentials are read from. */
  credentialVariables: Readonly<Record<string, string>>;
  /** `HOME` (`USERPROFILE` on Windows), for importing vendor CLI files; null when unset. */
  home: string | null;
}

const positiveSeconds = (variables: Record<string, string>, name: string, fallback: number): number => {
  const raw = variables[name]?.trim();
  if (raw === undefined || raw === "") return fallback * 1000;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) {
    throw new ConfigError(name, `must be a positive number of seconds (got "${raw}")`);
  }
  return Number(raw) * 1000;
};

/** Read the OAuth settings from the merged variables. Throws {@link ConfigError}. */
export function parseOAuthSettings(variables: Record<string, string>): OAuthSettings {
  const oauthBases: Record<string, string> = {};
  const oauthPorts: Record<string, number> = {};
  const projectIds: Record<string, string> = {};
  const credentialVariables: Record<string, string> = {};
  for (const client of OAUTH_CLIENTS.values()) {
    const prefix = client.envPrefix;
    const base = variables[`${prefix}_OAUTH_BASE`]?.trim();
    if (base) oauthBases[client.provider] = parseUrl(`${prefix}_OAUTH_BASE`, base);
    const port = variables[`${prefix}_OAUTH_PORT`]?.trim();
    if (port) {
      if (!/^\d+$/.test(port) || Number(port) > 65535) {
        throw new ConfigError(`${prefix}_OAUTH_PORT`, `must be a TCP port (got "${port}")`);
      }
      oauthPorts[client.provider] = Number(port);
    }
    const project = variables[`${prefix}_PROJECT_ID`]?.trim();
    if (project) projectIds[client.provider] = project;
    for (const [name, value] of Object.entries(variables)) {
      if (name.startsWith(`${prefix}_`)) credentialVariables[name] = value;
    }
  }
  const skip = variables.SKIP_OAUTH_INIT_CHECK?.trim().toLowerCase();
  if (skip !== undefined && skip !== "" && !["true", "false", "1", "0"].includes(skip)) {
    throw new ConfigError("SKIP_OAUTH_INIT_CHECK", `must be true or false (got "${skip}")`);
  }
  return {
    refreshIntervalMs: positiveSeconds(variables, "OAUTH_REFRESH_INTERVAL", 600),
    loginTimeoutMs: positiveSeconds(variables, "LOGIN_TIMEOUT", 300),
    skipInitCheck: skip === "true" || skip === "1",
    oauthBases,
    oauthPorts,
    projectIds,
    credentialVariables,
    home: variables.HOME?.trim() || variables.USERPROFILE?.trim() || null,
  };
}

function parseUrl(variable: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `is not a valid URL (got "${value}")`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(variable, `must be an http:// or https:// URL (got "${value}")`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * Rotation defaults of OAuth providers: OpenAI Codex accounts are spent one at a time (`sequential`), as
 * their 5-hour and weekly windows reward, unless `ROTATION_MODE_OPENAI_CODEX` says otherwise.
 */
export function withOAuthRotationDefaults(
  rotation: RotationSettings,
  variables: Readonly<Record<string, string>>,
): RotationSettings {
  if (variables.ROTATION_MODE_OPENAI_CODEX?.trim()) return rotation;
  const providers = new Map(rotation.providers);
  providers.set("openai_codex", {
    ...(providers.get("openai_codex") ?? defaultProviderRotation()),
    mode: "sequential",
  });
  return { ...rotation, providers };
}
