/**
 * Reading a JWT's claims without verifying it: we only learn facts about our own tokens (account id,
 * e-mail, expiry) from them, the vendor verifies them.
 */

/** The payload of a JWT as an object, or null when `token` is not a readable JWT. */
export function jwtClaims(token: string | undefined): Record<string, unknown> | null {
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const text = new TextDecoder().decode(Uint8Array.from(atob(padded), (char) => char.charCodeAt(0)));
    const claims: unknown = JSON.parse(text);
    return typeof claims === "object" && claims !== null && !Array.isArray(claims)
      ? claims as Record<string, unknown>
      : null;
  } catch {
    return null;
  }
}

/** The `exp` claim in epoch ms, or null. */
export function jwtExpiryMs(token: string | undefined): number | null {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : null;
}

/** What a ChatGPT id token says about its account (claim `https://api.openai.com/auth`). */
export interface ChatGptIdentity {
  email?: string;
  accountId?: string;
  planType?: string;
}

/** Read the ChatGPT account of an OpenAI id token (or access token: it carries the same claim). */
export function chatGptIdentity(token: string | undefined): ChatGptIdentity {
  const claims = jwtClaims(token);
  if (!claims) return {};
  const auth = claims["https://api.openai.com/auth"];
  const authClaims = typeof auth === "object" && auth !== null ? auth as Record<string, unknown> : {};
  const text = (value: unknown) => typeof value === "string" && value !== "" ? value : undefined;
  return {
    email: text(claims.email),
    accountId: text(authClaims.chatgpt_account_id),
    planType: text(authClaims.chatgpt_plan_type),
  };
}
