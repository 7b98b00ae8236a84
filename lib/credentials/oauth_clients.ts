/**
 * The OAuth clients of the vendors whose CLI subscriptions we pool: public client ids, endpoints,
 * scopes and callback ports, exactly as the vendors' own CLIs use them (see
 * `shared/vendor-facts/`). Data only; the flows live in their own files.
 */

/** How a vendor's users sign in. */
export type LoginFlow = "auth_code" | "device_code";

/** One vendor's OAuth client. */
export interface OAuthClient {
  /** Our provider id. */
  readonly provider: string;
  /** Prefix of this provider's variables (`GEMINI_CLI` → `GEMINI_CLI_OAUTH_BASE`, `GEMINI_CLI_1_ACCESS_TOKEN`). */
  readonly envPrefix: string;
  readonly flow: LoginFlow;
  readonly clientId: string;
  /** The public "installed application" secret, sent on exchange and refresh (Google only). */
  readonly clientSecret?: string;
  readonly scopes: readonly string[];
  /** Authorization endpoint (auth_code) as the vendor serves it. */
  readonly authorizeUrl?: string;
  /** Device-code endpoint (device_code). */
  readonly deviceCodeUrl?: string;
  readonly tokenUrl: string;
  /** Where the account's e-mail is read after login (Google). */
  readonly userinfoUrl?: string;
  /** The loopback port the vendor's client registered. */
  readonly callbackPort?: number;
  readonly callbackPath?: string;
  /**
   * Extra authorize parameters, in the vendor's order, after the standard ones; an empty `state` among them
   * marks where the login's `state` goes (else it comes last).
   */
  readonly authorizeParams?: Readonly<Record<string, string>>;
  /** How the refresh request is encoded. */
  readonly refreshEncoding: "form" | "json";
  /**
   * Statuses of a token-endpoint refusal that mean only a new login helps, whatever the error code says
   * (the vendor's dead-token codes always do). @default [400, 401, 403]
   */
  readonly deadTokenStatuses?: readonly number[];
  /** The vendor CLI's own credentials file, relative to `HOME`, for import. */
  readonly homeFile?: string;
}

const GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth";
const GOOGLE_TOKEN = "https://oauth2.googleapis.com/token";
// v1 is what gemini-cli era proxies read (`email` is all we need; v1 and v2 return the same fields).
const GOOGLE_USERINFO = "https://www.googleapis.com/oauth2/v1/userinfo?alt=json";
const GOOGLE_SCOPES = [
  "https://www.googleapis.com/auth/cloud-platform",
  "https://www.googleapis.com/auth/userinfo.email",
  "https://www.googleapis.com/auth/userinfo.profile",
];
// access_type=offline is what yields a refresh token; prompt=consent makes Google issue a fresh one on a
// repeat login (vendor facts §2.2).
const GOOGLE_PARAMS = { access_type: "offline", prompt: "consent" };

/** OpenAI Codex (ChatGPT sign-in): openai/codex `login/src/server.rs`, `auth/manager.rs`. */
export const OPENAI_CODEX_CLIENT: OAuthClient = {
  provider: "openai_codex",
  envPrefix: "OPENAI_CODEX",
  flow: "auth_code",
  clientId: "app_EMoamEEZ73f0CkXaXp7hrann",
  scopes: ["openid", "profile", "email", "offline_access"],
  authorizeUrl: "https://auth.openai.com/oauth/authorize",
  tokenUrl: "https://auth.openai.com/oauth/token",
  // Only the registered redirect URIs are accepted: http://localhost:1455/auth/callback.
  callbackPort: 1455,
  callbackPath: "/auth/callback",
  authorizeParams: {
    id_token_add_organizations: "true",
    codex_cli_simplified_flow: "true",
    // A place holder: the login's own `state` takes this position, before `originator`, in the Codex CLI's order.
    state: "",
    originator: "codex_cli_rs",
  },
  // The Codex CLI sends JSON (newest); the server accepts form too.
  refreshEncoding: "json",
  // openai/codex `classify_refresh_token_failure`: any 401 or a dead-token code is permanent; other
  // statuses (a 400 without such a code, 429, 5xx) are transient.
  deadTokenStatuses: [401],
  homeFile: ".codex/auth.json",
};

/** Gemini CLI: google-gemini/gemini-cli `code_assist/oauth2.ts`. */
export const GEMINI_CLI_CLIENT: OAuthClient = {
  provider: "gemini_cli",
  envPrefix: "GEMINI_CLI",
  flow: "auth_code",
  clientId: "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
  clientSecret: "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",
  scopes: GOOGLE_SCOPES,
  authorizeUrl: GOOGLE_AUTHORIZE,
  tokenUrl: GOOGLE_TOKEN,
  userinfoUrl: GOOGLE_USERINFO,
  callbackPort: 8085,
  callbackPath: "/oauth2callback",
  authorizeParams: GOOGLE_PARAMS,
  refreshEncoding: "form",
  homeFile: ".gemini/oauth_creds.json",
};

/** Antigravity: the public client the Antigravity proxies share (CLIProxyAPI `auth/antigravity`). */
export const ANTIGRAVITY_CLIENT: OAuthClient = {
  provider: "antigravity",
  envPrefix: "ANTIGRAVITY",
  flow: "auth_code",
  clientId: "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
  clientSecret: "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",
  scopes: [
    ...GOOGLE_SCOPES,
    "https://www.googleapis.com/auth/cclog",
    "https://www.googleapis.com/auth/experimentsandconfigs",
  ],
  authorizeUrl: GOOGLE_AUTHORIZE,
  tokenUrl: GOOGLE_TOKEN,
  userinfoUrl: GOOGLE_USERINFO,
  callbackPort: 51121,
  callbackPath: "/oauth-callback",
  authorizeParams: GOOGLE_PARAMS,
  refreshEncoding: "form",
};

/** Qwen Code: QwenLM/qwen-code `qwen/qwenOAuth2.ts` (device flow with PKCE). */
export const QWEN_CODE_CLIENT: OAuthClient = {
  provider: "qwen_code",
  envPrefix: "QWEN_CODE",
  flow: "device_code",
  clientId: "f0304373b74a44d2b584a3fb70ca9e56",
  scopes: ["openid", "profile", "email", "model.completion"],
  deviceCodeUrl: "https://chat.qwen.ai/api/v1/oauth2/device/code",
  tokenUrl: "https://chat.qwen.ai/api/v1/oauth2/token",
  refreshEncoding: "form",
  homeFile: ".qwen/oauth_creds.json",
};

/** Every OAuth client, by provider id. */
export const OAUTH_CLIENTS: ReadonlyMap<string, OAuthClient> = new Map(
  [OPENAI_CODEX_CLIENT, GEMINI_CLI_CLIENT, ANTIGRAVITY_CLIENT, QWEN_CODE_CLIENT].map((client) => [
    client.provider,
    client,
  ]),
);

/** The client of `provider`, or an error naming the providers that have one. */
export function oauthClientOf(provider: string): OAuthClient {
  const client = OAUTH_CLIENTS.get(provider);
  if (!client) {
    throw new Error(
      `${provider} has no OAuth login; OAuth providers: ${[...OAUTH_CLIENTS.keys()].join(", ")}`,
    );
  }
  return client;
}

/**
 * A vendor URL moved to `base` (`<PROVIDER>_OAUTH_BASE`): scheme, host and port are replaced, `base`'s
 * path becomes a prefix, the vendor's path and query are kept. Without a base the URL is unchanged.
 */
export function redirectVendorUrl(url: string, base: string | undefined): string {
  if (!base) return url;
  const vendor = new URL(url);
  return `${base.replace(/\/+$/, "")}${vendor.pathname}${vendor.search}`;
}
