/**
 * Calls to a vendor's OAuth token endpoint: code exchange, device-code polling and refresh, with the
 * vendors' error bodies read into one typed error that says whether trying again can ever help.
 */
import { z } from "zod";
import { type OAuthClient, redirectVendorUrl } from "./oauth_clients.ts";

/** The fetch the flows use; injected in tests. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A token endpoint answer (loose: vendors add fields). */
export const tokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().optional(),
  id_token: z.string().optional(),
  expires_in: z.coerce.number().optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  /** Qwen: the API host of this account. */
  resource_url: z.string().optional(),
});

/** A token endpoint answer. */
export type TokenAnswer = z.infer<typeof tokenAnswerSchema>;

/**
 * Error codes that mean the refresh token will never work again: Google's `invalid_grant`, OpenAI's
 * rotated or revoked tokens (openai/codex `classify_refresh_token_failure`), a device code that expired.
 */
const PERMANENT_CODES = new Set([
  "invalid_grant",
  "invalid_client",
  "unauthorized_client",
  "refresh_token_expired",
  "refresh_token_reused",
  "refresh_token_invalidated",
  "token_expired",
  "token_invalidated",
  "expired_token",
  "access_denied",
]);

/** The token endpoint refused; `permanent` when only a new login can help. */
export class OAuthTokenError extends Error {
  override readonly name = "OAuthTokenError";
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly description: string | null,
    readonly permanent: boolean,
  ) {
    super(
      `token endpoint answered ${status}${code ? ` ${code}` : ""}${description ? `: ${description}` : ""}`,
    );
  }
}

/**
 * Read `{error, error_description}`, `{error: {code, message}}` or `{code, message}` bodies; `deadStatuses`
 * are the vendor's statuses that end a grant whatever the code. @default deadStatuses [400, 401, 403]
 */
export function readTokenError(
  status: number,
  text: string,
  deadStatuses: readonly number[] = [400, 401, 403],
): OAuthTokenError {
  let code: string | null = null;
  let description: string | null = null;
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null) {
      const record = body as Record<string, unknown>;
      const error = record.error;
      if (typeof error === "string") code = error;
      else if (typeof error === "object" && error !== null) {
        const nested = error as Record<string, unknown>;
        if (typeof nested.code === "string") code = nested.code;
        else if (typeof nested.type === "string") code = nested.type;
        if (typeof nested.message === "string") description = nested.message;
      }
      if (code === null && typeof record.code === "string") code = record.code;
      if (typeof record.error_description === "string") description = record.error_description;
      if (description === null && typeof record.message === "string") description = record.message;
    }
  } catch {
    description = text.slice(0, 200) || null;
  }
  // 400/401/403 are the vendor saying no to this grant (Qwen and OpenAI answer a dead refresh token with
  // 400/401 and no stable code); 429 and 5xx may pass.
  const permanent = (code !== null && PERMANENT_CODES.has(code)) || deadStatuses.includes(status);
  return new OAuthTokenError(status, code, description, permanent);
}

/** Options of {@link postTokenRequest}. */
export interface TokenRequestOptions {
  fetch?: FetchFunction;
  /** `<PROVIDER>_OAUTH_BASE`. */
  oauthBase?: string;
  signal?: AbortSignal;
  /** @default "form" */
  encoding?: "form" | "json";
}

/** POST `fields` to the client's token endpoint and read a token answer. Throws {@link OAuthTokenError}. */
export async function postTokenRequest(
  client: OAuthClient,
  fields: Record<string, string>,
  options: TokenRequestOptions = {},
): Promise<TokenAnswer> {
  const { fetch = globalThis.fetch, oauthBase, signal, encoding = "form" } = options;
  const response = await fetch(redirectVendorUrl(client.tokenUrl, oauthBase), {
    method: "POST",
    headers: {
      "content-type": encoding === "json" ? "application/json" : "application/x-www-form-urlencoded",
      "accept": "application/json",
    },
    body: encoding === "json" ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    signal,
  });
  const text = await response.text();
  if (!response.ok) throw readTokenError(response.status, text, client.deadTokenStatuses);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OAuthTokenError(response.status, null, "the token endpoint answered something not JSON", false);
  }
  const parsed = tokenAnswerSchema.safeParse(json);
  if (!parsed.success) {
    throw new OAuthTokenError(response.status, null, "the token answer has no access_token", false);
  }
  return parsed.data;
}

/** Trade a refresh token for new tokens. */
export function refreshWithToken(
  client: OAuthClient,
  refreshToken: string,
  options: Omit<TokenRequestOptions, "encoding"> = {},
): Promise<TokenAnswer> {
  const fields: Record<string, string> = {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: client.clientId,
  };
  if (client.clientSecret) fields.client_secret = client.clientSecret;
  return postTokenRequest(client, fields, { ...options, encoding: client.refreshEncoding });
}
