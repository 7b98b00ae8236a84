/** The account a credential belongs to: what de-duplication and the credential id are keyed by. */
import { hashSecret } from "./credential.ts";
import { chatGptIdentity, jwtClaims } from "./jwt.ts";

/** What is known when an account must be named. */
export interface AccountFacts {
  email?: string;
  accountId?: string;
  idToken?: string;
  /** Used only when nothing names the account (Qwen tokens carry no identity). */
  refreshToken?: string;
  accessToken?: string;
}

/**
 * The account key: OpenAI's workspace id (one person may use several workspaces, each a separate
 * account), else the e-mail, else an e-mail in the id token, else a stable hash of the first token seen.
 */
export function accountKeyOf(provider: string, facts: AccountFacts): string {
  if (facts.accountId) return facts.email ? `${facts.email} (${facts.accountId})` : facts.accountId;
  if (facts.email) return facts.email;
  const identity = chatGptIdentity(facts.idToken);
  if (identity.accountId) return accountKeyOf(provider, { ...identity, idToken: undefined });
  const claims = jwtClaims(facts.idToken);
  if (typeof claims?.email === "string" && claims.email !== "") return claims.email;
  const seed = facts.refreshToken ?? facts.accessToken ?? "";
  return `${provider}-${hashSecret(seed).slice(0, 8)}`;
}
