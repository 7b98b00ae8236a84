/**
 * Fake OAuth authorization servers on 127.0.0.1, written from `shared/vendor-facts/`: OpenAI
 * (auth.openai.com: auth code + PKCE, JSON or form refresh, rotating refresh tokens), Google
 * (accounts.google.com + oauth2.googleapis.com + www.googleapis.com userinfo, client secret in the
 * body, `invalid_grant`) and Qwen (chat.qwen.ai device code + PKCE, `authorization_pending`,
 * `slow_down`). Every vendor path is served on one origin, as `<PROVIDER>_OAUTH_BASE` expects.
 */
import { pkceChallenge } from "../../lib/credentials/pkce.ts";
import {
  ANTIGRAVITY_CLIENT,
  GEMINI_CLI_CLIENT,
  OPENAI_CODEX_CLIENT,
  QWEN_CODE_CLIENT,
} from "../../lib/credentials/oauth_clients.ts";

/** Which vendor the fake plays. */
export type FakeVendor = "openai" | "google" | "qwen";

/** A request the fake received. */
export interface OAuthRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  /** Form or JSON body fields. */
  fields: Record<string, string>;
  contentType: string;
}

/** Options of {@link startFakeOAuth}. */
export interface FakeOAuthOptions {
  vendor: FakeVendor;
  /** The account the fake signs in. @default "user@example.com" */
  email?: string;
  /** ChatGPT workspace id in the OpenAI id token. @default "acc-123" */
  accountId?: string;
  /** `expires_in` of issued access tokens, seconds. @default 3600 */
  expiresIn?: number;
  /** Device flow: how many polls answer `authorization_pending` before approval. @default 1 */
  pendingPolls?: number;
  /** Device flow: how many polls (after the pending ones) answer `slow_down`. @default 0 */
  slowDownPolls?: number;
  /** Device flow: the status of `slow_down` (qwen-code expects 429, other clients 400). @default 429 */
  slowDownStatus?: number;
  /** Device flow: `interval` in the device-code answer (Qwen sends none). */
  interval?: number;
  /** Device flow: `expires_in` of the device code. @default 600 */
  deviceExpiresIn?: number;
  /** Device flow: never approve (for timeouts). */
  neverApprove?: boolean;
  /** Refresh tokens rotate: a used one is refused as reused. @default true for openai */
  rotateRefreshTokens?: boolean;
  /** Delay of the refresh answer, ms (real time; to overlap concurrent refreshes). @default 0 */
  refreshDelayMs?: number;
  /** Qwen's `resource_url`. @default "portal.qwen.ai" */
  resourceUrl?: string;
}

/** A running fake authorization server. */
export interface FakeOAuth {
  /** The origin, as `<PROVIDER>_OAUTH_BASE` takes it. */
  base: string;
  requests: OAuthRecord[];
  /** How many refresh grants were answered with new tokens. */
  refreshCount(): number;
  /** Revoke every refresh token issued so far (the next refresh fails permanently). */
  revokeAll(): void;
  /** Access tokens currently valid. */
  validAccessTokens: Set<string>;
  /** Issue a token set directly (as a prior login would have). */
  issue(): { access_token: string; refresh_token: string; id_token?: string; expires_in: number };
  close(): Promise<void>;
}

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** An unsigned JWT carrying `claims` (the vendors' tokens are JWTs; we never verify them). */
export function fakeJwt(claims: Record<string, unknown>): string {
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.c2lnbmF0dXJl`;
}

/** Start a fake authorization server of `vendor`. */
export function startFakeOAuth(options: FakeOAuthOptions): FakeOAuth {
  const {
    vendor,
    email = "user@example.com",
    accountId = "acc-123",
    expiresIn = 3600,
    pendingPolls = 1,
    slowDownPolls = 0,
    slowDownStatus = 429,
    deviceExpiresIn = 600,
    neverApprove = false,
    rotateRefreshTokens = vendor === "openai",
    refreshDelayMs = 0,
    resourceUrl = "portal.qwen.ai",
  } = options;
  const requests: OAuthRecord[] = [];
  const codes = new Map<string, { challenge: string | null; redirectUri: string; clientId: string }>();
  const devices = new Map<string, { challenge: string; polls: number }>();
  const refreshTokens = new Set<string>();
  const usedRefreshTokens = new Set<string>();
  const validAccessTokens = new Set<string>();
  let counter = 0;
  let refreshes = 0;
  const clientIds = vendor === "openai"
    ? [OPENAI_CODEX_CLIENT.clientId]
    : vendor === "google"
    ? [GEMINI_CLI_CLIENT.clientId, ANTIGRAVITY_CLIENT.clientId]
    : [QWEN_CODE_CLIENT.clientId];
  const secrets = new Map([
    [GEMINI_CLI_CLIENT.clientId, GEMINI_CLI_CLIENT.clientSecret],
    [ANTIGRAVITY_CLIENT.clientId, ANTIGRAVITY_CLIENT.clientSecret],
  ]);

  const issue = () => {
    counter++;
    const nonce = crypto.randomUUID().slice(0, 8);
    const nowS = Math.floor(Date.now() / 1000);
    const auth = { chatgpt_account_id: accountId, chatgpt_plan_type: "plus" };
    const access_token = vendor === "openai"
      ? fakeJwt({ exp: nowS + expiresIn, "https://api.openai.com/auth": auth, n: nonce })
      : `fake-access-${counter}-${nonce}`;
    const refresh_token = `fake-refresh-${counter}-${nonce}`;
    refreshTokens.add(refresh_token);
    validAccessTokens.add(access_token);
    const id_token = vendor === "qwen"
      ? undefined
      : fakeJwt({ email, exp: nowS + expiresIn, "https://api.openai.com/auth": auth });
    return { access_token, refresh_token, id_token, expires_in: expiresIn };
  };

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const oauthError = (status: number, error: string, description?: string) =>
    json({ error, ...(description ? { error_description: description } : {}) }, status);

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (raw) => {
    const url = new URL(raw.url);
    const contentType = raw.headers.get("content-type") ?? "";
    const text = raw.method === "POST" ? await raw.text() : "";
    const fields: Record<string, string> = contentType.includes("application/json")
      ? JSON.parse(text || "{}")
      : Object.fromEntries(new URLSearchParams(text));
    requests.push({
      method: raw.method,
      path: url.pathname,
      query: url.searchParams,
      headers: raw.headers,
      fields,
      contentType,
    });
    const path = url.pathname;

    // Authorization endpoint: the browser's first stop. We "approve" at once and redirect back.
    if (raw.method === "GET" && (path === "/oauth/authorize" || path === "/o/oauth2/v2/auth")) {
      const query = url.searchParams;
      const clientId = query.get("client_id") ?? "";
      if (!clientIds.includes(clientId)) {
        return oauthError(401, "invalid_client", "The OAuth client was not found.");
      }
      if (query.get("response_type") !== "code") return oauthError(400, "unsupported_response_type");
      const redirectUri = query.get("redirect_uri") ?? "";
      if (vendor === "openai" && !/^http:\/\/localhost:(1455|1457|\d+)\/auth\/callback$/.test(redirectUri)) {
        return oauthError(400, "invalid_request", "redirect_uri is not registered");
      }
      if (!query.get("state")) return oauthError(400, "invalid_request", "state is required");
      const challenge = query.get("code_challenge");
      if (vendor === "openai" && (!challenge || query.get("code_challenge_method") !== "S256")) {
        return oauthError(400, "invalid_request", "PKCE S256 is required");
      }
      const code = `code-${crypto.randomUUID()}`;
      codes.set(code, { challenge, redirectUri, clientId });
      const target = new URL(redirectUri);
      target.searchParams.set("code", code);
      target.searchParams.set("state", query.get("state")!);
      if (vendor === "google") target.searchParams.set("scope", query.get("scope") ?? "");
      return new Response(null, { status: 302, headers: { location: target.toString() } });
    }

    if (raw.method === "POST" && path === "/api/v1/oauth2/device/code" && vendor === "qwen") {
      if (fields.client_id !== QWEN_CODE_CLIENT.clientId) return oauthError(401, "invalid_client");
      if (!fields.code_challenge || fields.code_challenge_method !== "S256") {
        return oauthError(400, "invalid_request", "code_challenge required");
      }
      const deviceCode = `device-${crypto.randomUUID()}`;
      devices.set(deviceCode, { challenge: fields.code_challenge, polls: 0 });
      return json({
        device_code: deviceCode,
        user_code: "ABCD-1234",
        verification_uri: "https://chat.qwen.ai/authorize",
        verification_uri_complete: `https://chat.qwen.ai/authorize?user_code=ABCD-1234&client=qwen-code`,
        expires_in: deviceExpiresIn,
        ...(options.interval !== undefined ? { interval: options.interval } : {}),
      });
    }

    const isTokenPath = (vendor === "openai" && path === "/oauth/token") ||
      (vendor === "google" && path === "/token") || (vendor === "qwen" && path === "/api/v1/oauth2/token");
    if (raw.method === "POST" && isTokenPath) {
      if (!clientIds.includes(fields.client_id ?? "")) {
        return oauthError(401, "invalid_client", "Unauthorized");
      }
      if (vendor === "google" && fields.client_secret !== secrets.get(fields.client_id)) {
        return oauthError(401, "invalid_client", "Unauthorized");
      }
      if (vendor !== "openai" && !contentType.includes("application/x-www-form-urlencoded")) {
        return oauthError(400, "invalid_request", "form body expected");
      }
      const grant = fields.grant_type;
      if (grant === "authorization_code") {
        const entry = codes.get(fields.code ?? "");
        if (!entry) return oauthError(400, "invalid_grant", "Malformed auth code.");
        codes.delete(fields.code);
        if (entry.redirectUri !== fields.redirect_uri) return oauthError(400, "redirect_uri_mismatch");
        if (entry.challenge !== null) {
          if (!fields.code_verifier) return oauthError(400, "invalid_grant", "Missing code verifier.");
          if (pkceChallenge(fields.code_verifier) !== entry.challenge) {
            return oauthError(400, "invalid_grant", "Invalid code verifier.");
          }
        }
        return json({ ...issue(), token_type: "Bearer", scope: "openid" });
      }
      if (grant === "urn:ietf:params:oauth:grant-type:device_code" && vendor === "qwen") {
        const device = devices.get(fields.device_code ?? "");
        if (!device) return oauthError(400, "expired_token", "Device code expired or invalid");
        if (pkceChallenge(fields.code_verifier ?? "") !== device.challenge) {
          return oauthError(400, "invalid_grant", "code_verifier does not match");
        }
        device.polls++;
        if (neverApprove || device.polls <= pendingPolls) {
          return oauthError(400, "authorization_pending", "The authorization request is still pending");
        }
        if (device.polls <= pendingPolls + slowDownPolls) {
          return oauthError(slowDownStatus, "slow_down", "Polling too frequently");
        }
        devices.delete(fields.device_code);
        const tokens = issue();
        return json({ ...tokens, id_token: undefined, token_type: "Bearer", resource_url: resourceUrl });
      }
      if (grant === "refresh_token") {
        const token = fields.refresh_token ?? "";
        if (refreshDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, refreshDelayMs));
        if (usedRefreshTokens.has(token)) {
          return json({
            error: {
              message:
                "Your refresh token has already been used to generate a new access token. Please try signing in again.",
              type: "invalid_request_error",
              code: "refresh_token_reused",
            },
          }, 401);
        }
        if (!refreshTokens.has(token)) {
          return vendor === "openai"
            ? json(
              { error: { message: "Refresh token invalidated", code: "refresh_token_invalidated" } },
              401,
            )
            : oauthError(400, "invalid_grant", "Token has been expired or revoked.");
        }
        refreshes++;
        const tokens = issue();
        if (rotateRefreshTokens) {
          refreshTokens.delete(token);
          usedRefreshTokens.add(token);
          return json({ ...tokens, token_type: "Bearer" });
        }
        // Google and Qwen keep the refresh token: the answer carries none.
        refreshTokens.delete(tokens.refresh_token);
        const { refresh_token: _unused, ...rest } = tokens;
        return json({
          ...rest,
          token_type: "Bearer",
          ...(vendor === "qwen" ? { resource_url: resourceUrl } : {}),
        });
      }
      return oauthError(400, "unsupported_grant_type");
    }

    if (vendor === "google" && raw.method === "GET" && path.startsWith("/oauth2/v")) {
      const token = (raw.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      if (!validAccessTokens.has(token)) {
        return json({ error: { code: 401, status: "UNAUTHENTICATED" } }, 401);
      }
      return json({ id: "1234", email, verified_email: true, name: "Test User" });
    }
    return json({ error: "not_found", path }, 404);
  });

  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    requests,
    refreshCount: () => refreshes,
    revokeAll() {
      for (const token of refreshTokens) usedRefreshTokens.delete(token);
      refreshTokens.clear();
    },
    validAccessTokens,
    issue,
    close: () => server.shutdown(),
  };
}
