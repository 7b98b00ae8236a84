/**
 * `proxy credentials export <provider>`: every stored and env credential of a provider as a
 * ready-to-paste `.env` block, for stateless deployments. The only place tokens are ever shown.
 */
import type { Logger } from "../log/logger.ts";
import { envBlock, readEnvCredentials } from "./env_credentials.ts";
import { readCredentialFiles } from "./file_store.ts";
import { oauthClientOf } from "./oauth_clients.ts";
import type { StoredCredential } from "./stored_credential.ts";

/** Options of {@link exportCredentials}. */
export interface ExportOptions {
  /** The data directory whose `oauth_creds/` is read. */
  dataDir: string;
  /** Variables whose env credentials are exported too (after the files). @default {} */
  env?: Readonly<Record<string, string>>;
  logger?: Logger;
}

/** The `.env` block of `providerId`'s credentials, numbered from 1; empty when it has none. */
export async function exportCredentials(providerId: string, options: ExportOptions): Promise<string> {
  const { dataDir, env = {}, logger } = options;
  const client = oauthClientOf(providerId);
  const credentials: StoredCredential[] =
    (await readCredentialFiles(dataDir, { provider: providerId, logger }))
      .map((file) => file.credential);
  const accounts = new Set(credentials.map((credential) => credential.account));
  for (const { credential } of readEnvCredentials(env)) {
    if (credential.provider === providerId && !accounts.has(credential.account)) credentials.push(credential);
  }
  return envBlock(client, credentials);
}
