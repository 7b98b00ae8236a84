/**
 * `proxy credentials login <provider>`: run the vendor's sign-in flow, learn the account (e-mail,
 * workspace, project, tier), write `oauth_creds/<provider>_oauth_<N>.json`. One login at a time.
 */
import type { Logger } from "../log/logger.ts";
import type { ProxyConfig } from "../config/schema.ts";
import { accountKeyOf } from "./account_key.ts";
import { authCodeLogin } from "./auth_code_login.ts";
import { LoginError } from "./callback_server.ts";
import { codeAssistClientKind, setupCodeAssist } from "./code_assist_setup.ts";
import { deviceCodeLogin } from "./device_code_login.ts";
import { saveCredential } from "./file_store.ts";
import { chatGptIdentity, jwtClaims, jwtExpiryMs } from "./jwt.ts";
import { type OAuthClient, oauthClientOf, redirectVendorUrl } from "./oauth_clients.ts";
import type { StoredCredential } from "./stored_credential.ts";
import type { FetchFunction, TokenAnswer } from "./token_endpoint.ts";

/** Options of {@link login}. */
export interface LoginOptions {
  /** The data directory whose `oauth_creds/` receives the credential. */
  dataDir: string;
  /** Print the URL instead of opening a browser. @default false */
  noBrowser?: boolean;
  /** Writes a line for the user. @default stdout */
  print?: (line: string) => void;
  /** Opens a URL in the user's browser. @default `xdg-open` / `open` / `start` */
  openBrowser?: (url: string) => Promise<void>;
  /** Reads a URL the user pastes (the redirect their browser failed to reach), when the terminal can. */
  readPastedUrl?: (signal: AbortSignal) => Promise<string>;
  /** Callback port (`<PROVIDER>_OAUTH_PORT`). @default the vendor's */
  port?: number;
  /** `<PROVIDER>_OAUTH_BASE`. */
  oauthBase?: string;
  /** `<PROVIDER>_API_BASE` (Code Assist set-up). */
  apiBase?: string;
  /** `<PROVIDER>_PROJECT_ID`: the Google Cloud project of a Code Assist standard-tier account. */
  projectId?: string;
  /** `LOGIN_TIMEOUT` in ms. @default 300_000 */
  timeoutMs?: number;
  fetch?: FetchFunction;
  /** Time for device polling and timeouts; tests inject a fake clock. */
  clock?: {
    now(): number;
    setTimer(callback: () => void, delayMs: number): unknown;
    clearTimer(handle: unknown): void;
  };
  logger?: Logger;
  signal?: AbortSignal;
}

/** What a login produced (no tokens: those are only in the file). */
export interface LoginResult {
  provider: string;
  account: string;
  email?: string;
  tier?: string;
  projectId?: string;
  /** The credential file. */
  path: string;
  /** An older credential of the same account was replaced. */
  replaced: boolean;
}

let loginRunning = false;

/** Sign in to `providerId` and store the credential. Throws {@link LoginError} with a user-facing reason. */
export async function login(providerId: string, options: LoginOptions): Promise<LoginResult> {
  const client = oauthClientOf(providerId);
  if (loginRunning) throw new LoginError("another login is running; finish it first");
  loginRunning = true;
  try {
    return await runLogin(client, options);
  } finally {
    loginRunning = false;
  }
}

async function runLogin(client: OAuthClient, options: LoginOptions): Promise<LoginResult> {
  const {
    dataDir,
    noBrowser = false,
    print = writeLine,
    openBrowser = openInBrowser,
    fetch = globalThis.fetch,
    clock = {
      now: () => Date.now(),
      setTimer: (callback: () => void, delayMs: number) => setTimeout(callback, delayMs),
      clearTimer: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
    oauthBase,
    signal,
  } = options;
  const browser = noBrowser ? undefined : openBrowser;
  let tokens: TokenAnswer;
  if (client.flow === "auth_code") {
    ({ tokens } = await authCodeLogin(client, {
      port: options.port,
      oauthBase,
      timeoutMs: options.timeoutMs,
      fetch,
      showUrl: (url) => {
        print(`Sign in to ${client.provider} at:\n\n  ${url}\n`);
        if (noBrowser) {
          print(
            `On another machine? After signing in, the browser lands on a localhost page that may fail to ` +
              `load: paste that page's full URL here.`,
          );
        }
      },
      openBrowser: browser,
      readPastedUrl: options.readPastedUrl,
      onPasteRefused: (reason) =>
        print(`Not taken: ${reason}. Paste the URL again, or wait for the callback.`),
      setTimer: clock.setTimer,
      clearTimer: clock.clearTimer,
      signal,
    }));
  } else {
    tokens = await deviceCodeLogin(client, {
      oauthBase,
      fetch,
      showPrompt: ({ url, userCode }) => print(`Open ${url}\nand confirm the code ${userCode}.`),
      openBrowser: browser,
      now: clock.now,
      sleep: (delayMs, sleepSignal) =>
        new Promise((resolve, reject) => {
          const handle = clock.setTimer(resolve, delayMs);
          sleepSignal?.addEventListener("abort", () => {
            clock.clearTimer(handle);
            reject(new LoginError("the login was cancelled"));
          }, { once: true });
        }),
      signal,
    });
  }
  const stored = await describeAccount(client, tokens, { ...options, fetch, clock });
  const saved = await saveCredential(dataDir, stored, { logger: options.logger });
  const result: LoginResult = {
    provider: client.provider,
    account: stored.account,
    email: stored.email,
    tier: stored.tier,
    projectId: stored.project_id,
    ...saved,
  };
  print(
    `Signed in to ${client.provider} as ${stored.email ?? stored.account}` +
      (stored.tier ? `, tier ${stored.tier}` : "") +
      (stored.project_id ? `, project ${stored.project_id}` : "") +
      `.\nSaved to ${saved.path}${
        saved.replaced ? " (replacing the older credential of this account)" : ""
      }.`,
  );
  return result;
}

/** Learn who signed in and build the stored credential. */
async function describeAccount(
  client: OAuthClient,
  tokens: TokenAnswer,
  options: LoginOptions & { fetch: FetchFunction; clock: NonNullable<LoginOptions["clock"]> },
): Promise<StoredCredential> {
  const { fetch, clock } = options;
  const expiry = tokens.expires_in !== undefined
    ? clock.now() + tokens.expires_in * 1000
    : jwtExpiryMs(tokens.access_token);
  const base = {
    access_token: tokens.access_token,
    ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
    ...(tokens.id_token ? { id_token: tokens.id_token } : {}),
    expiry_date: expiry,
  };
  if (client.provider === "openai_codex") {
    const identity = chatGptIdentity(tokens.id_token ?? tokens.access_token);
    return {
      provider: client.provider,
      account: accountKeyOf(client.provider, identity),
      ...base,
      ...(identity.email ? { email: identity.email } : {}),
      ...(identity.accountId ? { account_id: identity.accountId } : {}),
      ...(identity.planType ? { tier: identity.planType } : {}),
    };
  }
  if (client.userinfoUrl) {
    const email = await googleEmail(client, tokens.access_token, options);
    const kind = codeAssistClientKind(client.provider, options.apiBase);
    const { projectId, tier } = await setupCodeAssist(tokens.access_token, {
      ...kind,
      fetch,
      projectId: options.projectId,
      sleep: (delayMs) => new Promise((resolve) => clock.setTimer(resolve, delayMs)),
      signal: options.signal,
    });
    return { provider: client.provider, account: email, email, ...base, project_id: projectId, tier };
  }
  const claims = jwtClaims(tokens.id_token);
  const email = typeof claims?.email === "string" ? claims.email : undefined;
  return {
    provider: client.provider,
    account: accountKeyOf(client.provider, {
      email,
      refreshToken: tokens.refresh_token,
      accessToken: tokens.access_token,
    }),
    ...base,
    ...(email ? { email } : {}),
    ...(tokens.resource_url ? { resource_url: tokens.resource_url } : {}),
  };
}

async function googleEmail(
  client: OAuthClient,
  accessToken: string,
  options: { fetch: FetchFunction; oauthBase?: string; signal?: AbortSignal },
): Promise<string> {
  const response = await options.fetch(redirectVendorUrl(client.userinfoUrl!, options.oauthBase), {
    headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
    signal: options.signal,
  });
  const body = await response.json().catch(() => null) as { email?: unknown } | null;
  if (!response.ok || typeof body?.email !== "string") {
    throw new LoginError(`Google did not tell the account's e-mail (userinfo answered ${response.status})`);
  }
  return body.email;
}

function writeLine(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

/** Open `url` with the system's browser opener. */
export async function openInBrowser(url: string): Promise<void> {
  const [command, ...args] = Deno.build.os === "darwin"
    ? ["open", url]
    : Deno.build.os === "windows"
    ? ["cmd", "/c", "start", "", url]
    : ["xdg-open", url];
  const child = new Deno.Command(command, { args, stdout: "null", stderr: "null" }).spawn();
  await child.status;
}

/** The configured parts of {@link LoginOptions} for `providerId` (ports, endpoint moves, timeout, project). */
export function loginOptionsFromConfig(
  config: Pick<ProxyConfig, "dataDir" | "oauth" | "providers">,
  providerId: string,
): Pick<LoginOptions, "dataDir" | "port" | "oauthBase" | "apiBase" | "projectId" | "timeoutMs"> {
  const { oauth } = config;
  return {
    dataDir: config.dataDir,
    port: oauth.oauthPorts[providerId],
    oauthBase: oauth.oauthBases[providerId],
    apiBase: config.providers.find((provider) => provider.id === providerId)?.baseUrl ?? undefined,
    projectId: oauth.projectIds[providerId],
    timeoutMs: oauth.loginTimeoutMs,
  };
}
