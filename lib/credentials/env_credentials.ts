/**
 * OAuth credentials from the environment, for stateless deployments: `<PREFIX>_ACCESS_TOKEN`, … (one
 * account) and `<PREFIX>_<N>_ACCESS_TOKEN`, … (several). Their refreshed tokens stay in memory.
 */
import { accountKeyOf } from "./account_key.ts";
import { chatGptIdentity, jwtExpiryMs } from "./jwt.ts";
import { OAUTH_CLIENTS, type OAuthClient } from "./oauth_clients.ts";
import type { StoredCredential } from "./stored_credential.ts";

/** The per-credential variable suffixes, and the stored field each fills. */
export const ENV_FIELDS = {
  ACCESS_TOKEN: "access_token",
  REFRESH_TOKEN: "refresh_token",
  EXPIRY_DATE: "expiry_date",
  ID_TOKEN: "id_token",
  ACCOUNT_ID: "account_id",
  EMAIL: "email",
  PROJECT_ID: "project_id",
  TIER: "tier",
  RESOURCE_URL: "resource_url",
} as const;

type EnvField = keyof typeof ENV_FIELDS;

/** An OAuth credential read from variables, with the variable group it came from. */
export interface EnvCredential {
  credential: StoredCredential;
  /** `GEMINI_CLI` or `GEMINI_CLI_2`: the variables' common prefix, for messages. */
  origin: string;
}

/** Every OAuth credential in `env`, in the order single first, then by number. */
export function readEnvCredentials(env: Readonly<Record<string, string>>): EnvCredential[] {
  const found: EnvCredential[] = [];
  for (const client of OAUTH_CLIENTS.values()) found.push(...readClientCredentials(client, env));
  return found;
}

function readClientCredentials(client: OAuthClient, env: Readonly<Record<string, string>>): EnvCredential[] {
  const pattern = new RegExp(`^${client.envPrefix}_(?:(\\d+)_)?(${Object.keys(ENV_FIELDS).join("|")})$`);
  const groups = new Map<number, Partial<Record<EnvField, string>>>();
  for (const [name, value] of Object.entries(env)) {
    const match = pattern.exec(name);
    if (!match || value.trim() === "") continue;
    const index = match[1] === undefined ? 0 : Number(match[1]);
    const group = groups.get(index) ?? {};
    group[match[2] as EnvField] = value.trim();
    groups.set(index, group);
  }
  const credentials: EnvCredential[] = [];
  for (const [index, group] of [...groups].sort(([a], [b]) => a - b)) {
    if (!group.ACCESS_TOKEN && !group.REFRESH_TOKEN) continue;
    credentials.push({
      credential: normalizeEnvGroup(client.provider, group),
      origin: index === 0 ? client.envPrefix : `${client.envPrefix}_${index}`,
    });
  }
  return credentials;
}

function normalizeEnvGroup(provider: string, group: Partial<Record<EnvField, string>>): StoredCredential {
  const identity = chatGptIdentity(group.ID_TOKEN ?? group.ACCESS_TOKEN);
  const email = group.EMAIL ?? identity.email;
  const accountId = group.ACCOUNT_ID ?? identity.accountId;
  const expiry = group.EXPIRY_DATE ? Number(group.EXPIRY_DATE) : NaN;
  const stored: StoredCredential = {
    provider,
    account: accountKeyOf(provider, {
      email,
      accountId,
      idToken: group.ID_TOKEN,
      refreshToken: group.REFRESH_TOKEN,
      accessToken: group.ACCESS_TOKEN,
    }),
    // An empty access token with a refresh token is fine: the first call refreshes.
    access_token: group.ACCESS_TOKEN ?? "",
    expiry_date: Number.isFinite(expiry) ? expiry : group.ACCESS_TOKEN ? jwtExpiryMs(group.ACCESS_TOKEN) : 0,
  };
  if (group.REFRESH_TOKEN) stored.refresh_token = group.REFRESH_TOKEN;
  if (group.ID_TOKEN) stored.id_token = group.ID_TOKEN;
  if (email) stored.email = email;
  if (accountId) stored.account_id = accountId;
  if (group.PROJECT_ID) stored.project_id = group.PROJECT_ID;
  if (group.TIER ?? identity.planType) stored.tier = group.TIER ?? identity.planType;
  if (group.RESOURCE_URL) stored.resource_url = group.RESOURCE_URL;
  return stored;
}

/**
 * A ready-to-paste `.env` block for `credentials` of one provider, numbered from 1. The only place
 * tokens are ever shown.
 */
export function envBlock(client: OAuthClient, credentials: readonly StoredCredential[]): string {
  const lines: string[] = [];
  credentials.forEach((credential, position) => {
    const prefix = `${client.envPrefix}_${position + 1}`;
    lines.push(`# ${client.provider}: ${credential.email ?? credential.account}`);
    for (const [suffix, field] of Object.entries(ENV_FIELDS)) {
      const value = credential[field];
      if (value === undefined || value === null || value === "") continue;
      lines.push(`${prefix}_${suffix}=${quoteEnvValue(String(value))}`);
    }
    lines.push("");
  });
  return lines.join("\n");
}

function quoteEnvValue(value: string): string {
  return /^[A-Za-z0-9_./:@+=~-]*$/.test(value) ? value : JSON.stringify(value);
}
