/** PKCE (RFC 7636, S256) and `state` values for the login flows. */
import { createHash, randomBytes } from "node:crypto";

/** A code verifier and its S256 challenge. */
export interface PkcePair {
  verifier: string;
  challenge: string;
}

/** A fresh verifier (32 random bytes, base64url) and its base64url SHA-256 challenge. */
export function pkcePair(): PkcePair {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: pkceChallenge(verifier) };
}

/** The S256 challenge of `verifier`: base64url(SHA-256(verifier)) without padding. */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

/** An unguessable `state` (32 random bytes, base64url) that ties the callback to this login. */
export function randomState(): string {
  return randomBytes(32).toString("base64url");
}
