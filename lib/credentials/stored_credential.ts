/**
 * The one shape every OAuth credential is normalized into, whatever its origin (login, a vendor CLI's
 * file, the environment): tokens plus account metadata, keyed by provider and account.
 */
import { z } from "zod";
import { type OAuthMetadata } from "./credential.ts";

/** Our file format (`oauth_creds/<provider>_oauth_<N>.json`); snake_case like the vendors' files. */
export const storedCredentialSchema = z.looseObject({
  provider: z.string().min(1),
  account: z.string().min(1),
  access_token: z.string(),
  refresh_token: z.string().optional(),
  /** Epoch ms, as gemini-cli and qwen-code store it; null when unknown. */
  expiry_date: z.number().nullable().optional(),
  id_token: z.string().optional(),
  email: z.string().optional(),
  account_id: z.string().optional(),
  project_id: z.string().optional(),
  tier: z.string().optional(),
  resource_url: z.string().optional(),
  priority: z.number().int().positive().optional(),
  updated_at: z.string().optional(),
});

/** A normalized OAuth credential with its tokens. */
export type StoredCredential = z.infer<typeof storedCredentialSchema>;

/** The metadata part of a stored credential. */
export function metadataOf(stored: StoredCredential): OAuthMetadata {
  const metadata: OAuthMetadata = { expiresAtMs: stored.expiry_date ?? null };
  if (stored.email) metadata.email = stored.email;
  if (stored.account_id) metadata.accountId = stored.account_id;
  if (stored.project_id) metadata.projectId = stored.project_id;
  if (stored.tier) metadata.tier = stored.tier;
  if (stored.resource_url) metadata.resourceUrl = stored.resource_url;
  return metadata;
}

/** Copy metadata back into the stored shape (after a refresh or a project discovery). */
export function withMetadata(stored: StoredCredential, metadata: OAuthMetadata): StoredCredential {
  const next: StoredCredential = { ...stored, expiry_date: metadata.expiresAtMs ?? null };
  if (metadata.email) next.email = metadata.email;
  if (metadata.accountId) next.account_id = metadata.accountId;
  if (metadata.projectId) next.project_id = metadata.projectId;
  if (metadata.tier) next.tier = metadata.tier;
  if (metadata.resourceUrl) next.resource_url = metadata.resourceUrl;
  return next;
}

/** Every secret a stored credential holds, for the logger's redaction list. */
export function secretsOf(stored: StoredCredential): string[] {
  return [stored.access_token, stored.refresh_token, stored.id_token].filter((value): value is string =>
    typeof value === "string" && value !== ""
  );
}
