/**
 * Credentials: what the rotator hands an adapter for one call. Adapters hold no pool state; they
 * receive the chosen credential per call.
 */
import { createHash } from "node:crypto";
import { maskSecret } from "../log/logger.ts";

/** An API key of one provider. OAuth accounts join this union later. */
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

/** Any credential a provider call can be made with. */
export type Credential = ApiKeyCredential;

/** Build an API key credential. */
export function apiKeyCredential(secret: string, priority = 1): ApiKeyCredential {
  return { kind: "api_key", id: hashSecret(secret), secret, label: maskSecret(secret), priority };
}

/** A short, stable, non-reversible id for a secret (first 16 hex digits of its SHA-256). */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}
