/**
 * Credentials: what the rotator hands an adapter for one call. Adapters hold no pool state; they
 * receive the chosen credential per call.
 */
import { createHash } from "node:crypto";
import { maskSecret } from "../log/logger.ts";

/** An API key of one provider. */
export interface ApiKeyCredential {
  readonly kind: "api_key";
  /** Stable id: a short SHA-256 hash of the secret, safe to store and show. */
  readonly id: string;
  /** The key itself; never logged, stored or rendered. */
  readonly secret: string;
  /** The masked tail shown in logs and statistics, e.g. `…a1b2`. */
  readonly label: string;
  /** Lower is tried first. @default 1 */
  readonly priority: number;
}

/** Any credential a provider call can be made with: an API key or an OAuth account. */
export type Credential = ApiKeyCredential | OAuthCredential;

/** Build an API key credential. */
export function apiKeyCredential(secret: string, priority = 1): ApiKeyCredential {
  return { kind: "api_key", id: hashSecret(secret), secret, label: maskSecret(secret), priority };
}

/** A short, stable, non-reversible id for a secret (first 16 hex digits of its SHA-256). */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}

/**
 * What is known about an OAuth account besides its tokens. Mutable on purpose: a refresh or a project
 * discovery updates it in place, and every holder of the credential (the pool, the adapter) sees it.
 */
export interface OAuthMetadata {
  email?: string;
  /** ChatGPT workspace (`chatgpt_account_id`), sent as `ChatGPT-Account-ID` by OpenAI Codex. */
  accountId?: string;
  /** Google Cloud project of a Code Assist account. */
  projectId?: string;
  /** Code Assist tier (`free-tier`, `standard-tier`, `g1-pro-tier`, …) or ChatGPT plan type. */
  tier?: string;
  /** Qwen's API host from the token answer (`portal.qwen.ai`). */
  resourceUrl?: string;
  /** Epoch ms when the current access token expires, null when unknown. */
  expiresAtMs?: number | null;
}

/** An OAuth account of one provider, keyed by its account (tokens rotate, the account does not). */
export interface OAuthCredential {
  readonly kind: "oauth";
  /** Stable id: a short hash of provider and account, safe to store and show. */
  readonly id: string;
  readonly provider: string;
  /** The account key: e-mail, account id, or a stable name when the vendor tells neither. */
  readonly account: string;
  /** Shown in logs and statistics: the e-mail, else the account key. */
  readonly label: string;
  /** Lower is tried first (Code Assist: paid tiers before free). @default 1 */
  readonly priority: number;
  /** Where the tokens live: a file under `oauth_creds/`, or the environment (kept in memory). */
  readonly source: "file" | "env";
  readonly metadata: OAuthMetadata;
}

/** The same union as {@link Credential} (the name the OAuth files use). */
export type AnyCredential = Credential;

/** Build an OAuth credential for `account` of `provider`. */
export function oauthCredential(
  provider: string,
  account: string,
  options: { metadata?: OAuthMetadata; priority?: number; source?: "file" | "env" } = {},
): OAuthCredential {
  const { metadata = {}, priority = 1, source = "file" } = options;
  return {
    kind: "oauth",
    id: hashSecret(`${provider}\u0000${account}`),
    provider,
    account,
    label: metadata.email ?? account,
    priority,
    source,
    metadata,
  };
}
