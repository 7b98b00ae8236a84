/**
 * Device authorization (RFC 8628) with PKCE, as Qwen Code signs in: show the verification URL and
 * user code, then poll the token endpoint honouring `interval`, `authorization_pending` and
 * `slow_down` (on 400 or 429: qwen-code reads it on 429, other clients on 400), until `expires_in`.
 */
import { z } from "zod";
import { LoginError } from "./callback_server.ts";
import { type OAuthClient, redirectVendorUrl } from "./oauth_clients.ts";
import { pkcePair } from "./pkce.ts";
import { type FetchFunction, readTokenError, type TokenAnswer, tokenAnswerSchema } from "./token_endpoint.ts";

const deviceAnswerSchema = z.looseObject({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  verification_uri_complete: z.string().optional(),
  expires_in: z.coerce.number().positive(),
  interval: z.coerce.number().positive().optional(),
});

/** What the user is asked to do. */
export interface DevicePrompt {
  /** The page to open (`verification_uri_complete`, else `verification_uri`). */
  url: string;
  userCode: string;
  expiresInS: number;
}

/** Options of {@link deviceCodeLogin}. */
export interface DeviceCodeLoginOptions {
  oauthBase?: string;
  fetch?: FetchFunction;
  /** Shows the URL and code to the user. */
  showPrompt: (prompt: DevicePrompt) => void;
  /** Opens the URL in a browser; absent with `--no-browser`. */
  openBrowser?: (url: string) => Promise<void>;
  /** Waits between polls; the clock is injected so tests do not sleep. */
  sleep: (delayMs: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  signal?: AbortSignal;
}

// qwen-code polls every 2 s when the server names no interval; slow_down stretches it ×1.5, capped at 10 s.
const DEFAULT_INTERVAL_MS = 2_000;
const MAX_INTERVAL_MS = 10_000;

/** Run the device flow until the user approves. Throws {@link LoginError} on denial or expiry. */
export async function deviceCodeLogin(
  client: OAuthClient,
  options: DeviceCodeLoginOptions,
): Promise<TokenAnswer> {
  const { oauthBase, fetch = globalThis.fetch, showPrompt, openBrowser, sleep, now, signal } = options;
  const { verifier, challenge } = pkcePair();
  const response = await fetch(redirectVendorUrl(client.deviceCodeUrl!, oauthBase), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "accept": "application/json",
      "x-request-id": crypto.randomUUID(),
    },
    body: new URLSearchParams({
      client_id: client.clientId,
      scope: client.scopes.join(" "),
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString(),
    signal,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new LoginError(`the device code request failed: ${readTokenError(response.status, text).message}`);
  }
  const parsed = deviceAnswerSchema.safeParse(safeJson(text));
  if (!parsed.success) throw new LoginError("the device code answer is not what RFC 8628 describes");
  const device = parsed.data;
  const url = device.verification_uri_complete ?? device.verification_uri;
  showPrompt({ url, userCode: device.user_code, expiresInS: device.expires_in });
  await openBrowser?.(url).catch(() => {});

  const deadline = now() + device.expires_in * 1000;
  let intervalMs = device.interval !== undefined ? device.interval * 1000 : DEFAULT_INTERVAL_MS;
  for (;;) {
    if (now() + intervalMs > deadline) {
      throw new LoginError(`the code was not approved within ${device.expires_in} s; the login timed out`);
    }
    await sleep(intervalMs, signal);
    const poll = await fetch(redirectVendorUrl(client.tokenUrl, oauthBase), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "accept": "application/json" },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: client.clientId,
        device_code: device.device_code,
        code_verifier: verifier,
      }).toString(),
      signal,
    });
    const body = await poll.text();
    if (poll.ok) {
      const tokens = tokenAnswerSchema.safeParse(safeJson(body));
      if (!tokens.success) throw new LoginError("the token answer has no access_token");
      return tokens.data;
    }
    const error = readTokenError(poll.status, body);
    if (error.code === "authorization_pending") continue;
    if (error.code === "slow_down") {
      // qwen-code's ×1.5 up to 10 s; past that, RFC 8628 §3.5's +5 s.
      intervalMs = intervalMs >= MAX_INTERVAL_MS
        ? intervalMs + 5_000
        : Math.min(MAX_INTERVAL_MS, intervalMs * 1.5);
      continue;
    }
    if (error.code === "expired_token" || poll.status === 401) {
      throw new LoginError("the device code expired before it was approved; run the login again");
    }
    if (error.code === "access_denied") throw new LoginError("the sign-in was denied");
    if (poll.status === 429 || poll.status >= 500) continue;
    throw new LoginError(`the sign-in failed: ${error.message}`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
