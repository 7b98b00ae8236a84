/**
 * Import from the vendor CLIs' own files under `HOME`: `~/.codex/auth.json`, `~/.gemini/oauth_creds.json`,
 * `~/.qwen/oauth_creds.json`, each normalized into our store.
 */
import { join } from "node:path";
import { z } from "zod";
import type { Logger } from "../log/logger.ts";
import { accountKeyOf } from "./account_key.ts";
import { credentialsDirectory, saveCredential } from "./file_store.ts";
import { chatGptIdentity, jwtClaims, jwtExpiryMs } from "./jwt.ts";
import { OAUTH_CLIENTS, type OAuthClient } from "./oauth_clients.ts";
import type { StoredCredential } from "./stored_credential.ts";

// openai/codex `auth/storage.rs` AuthDotJson.
const codexAuthSchema = z.looseObject({
  tokens: z.looseObject({
    id_token: z.string().optional(),
    access_token: z.string().min(1),
    refresh_token: z.string().optional(),
    account_id: z.string().nullable().optional(),
  }),
});

// google-auth-library Credentials (gemini-cli) and qwen-code QwenCredentials: `expiry_date` in epoch ms.
const cliCredsSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().optional(),
  expiry_date: z.number().optional(),
  id_token: z.string().optional(),
  resource_url: z.string().optional(),
});

/** Turn a vendor CLI's file content into our credential, or null when it holds none. */
export function normalizeHomeFile(client: OAuthClient, json: unknown): StoredCredential | null {
  if (client.provider === "openai_codex") {
    const parsed = codexAuthSchema.safeParse(json);
    if (!parsed.success) return null;
    const { tokens } = parsed.data;
    const identity = chatGptIdentity(tokens.id_token ?? tokens.access_token);
    const accountId = tokens.account_id ?? identity.accountId;
    const stored: StoredCredential = {
      provider: client.provider,
      account: accountKeyOf(client.provider, { email: identity.email, accountId }),
      access_token: tokens.access_token,
      expiry_date: jwtExpiryMs(tokens.access_token),
    };
    if (tokens.refresh_token) stored.refresh_token = tokens.refresh_token;
    if (tokens.id_token) stored.id_token = tokens.id_token;
    if (identity.email) stored.email = identity.email;
    if (accountId) stored.account_id = accountId;
    if (identity.planType) stored.tier = identity.planType;
    return stored;
  }
  const parsed = cliCredsSchema.safeParse(json);
  if (!parsed.success) return null;
  const creds = parsed.data;
  const claims = jwtClaims(creds.id_token);
  const email = typeof claims?.email === "string" ? claims.email : undefined;
  const stored: StoredCredential = {
    provider: client.provider,
    account: accountKeyOf(client.provider, {
      email,
      refreshToken: creds.refresh_token,
      accessToken: creds.access_token,
    }),
    access_token: creds.access_token,
    expiry_date: creds.expiry_date ?? null,
  };
  if (creds.refresh_token) stored.refresh_token = creds.refresh_token;
  if (creds.id_token) stored.id_token = creds.id_token;
  if (email) stored.email = email;
  if (creds.resource_url) stored.resource_url = creds.resource_url;
  return stored;
}

/** Options of {@link importCredentials}. */
export interface ImportOptions {
  /** The data directory whose `oauth_creds/` receives the credentials. */
  dataDir: string;
  /** The home folder to read (tests point it at a temporary folder). */
  home: string;
  /** Only this provider. */
  provider?: string;
  logger?: Logger;
}

/** One imported credential. */
export interface ImportedCredential {
  provider: string;
  account: string;
  /** Where it was read. */
  source: string;
  /** Where it was written. */
  path: string;
  /** It replaced a stored credential of the same account. */
  replaced: boolean;
}

/** Import every vendor CLI file found under `home`; missing files are skipped silently. */
export async function importCredentials(options: ImportOptions): Promise<ImportedCredential[]> {
  const { dataDir, home, provider, logger } = options;
  const imported: ImportedCredential[] = [];
  for (const client of OAUTH_CLIENTS.values()) {
    if (!client.homeFile || (provider && client.provider !== provider)) continue;
    const source = join(home, client.homeFile);
    let json: unknown;
    try {
      json = JSON.parse(await Deno.readTextFile(source));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        logger?.warn(`cannot import ${source}: ${(error as Error).message}`);
      }
      continue;
    }
    const stored = normalizeHomeFile(client, json);
    if (!stored) {
      logger?.warn(`cannot import ${source}: it holds no OAuth tokens`);
      continue;
    }
    const saved = await saveCredential(dataDir, stored, { logger });
    imported.push({ provider: client.provider, account: stored.account, source, ...saved });
  }
  return imported;
}

/**
 * Import on the first start: when `oauth_creds/` does not exist yet, whatever the vendor CLIs left under
 * `home` becomes our first credentials. Later starts never import again (use `credentials import`).
 */
export async function importOnFirstStart(options: ImportOptions): Promise<ImportedCredential[]> {
  try {
    await Deno.stat(credentialsDirectory(options.dataDir));
    return [];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const imported = await importCredentials(options);
  for (const entry of imported) {
    options.logger?.info(`imported the ${entry.provider} account ${entry.account} from ${entry.source}`);
  }
  return imported;
}
