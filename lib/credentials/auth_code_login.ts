/**
 * Authorization code with PKCE (S256) and an enforced `state`: open (or print) the vendor's
 * authorize URL, wait for the one-shot loopback callback — or for the user to paste the URL their
 * browser was sent to, on a remote machine — and exchange the code.
 */
import { type CallbackResult, LoginError, readCallbackUrl, startCallbackServer } from "./callback_server.ts";
import { type OAuthClient, redirectVendorUrl } from "./oauth_clients.ts";
import { pkcePair, randomState } from "./pkce.ts";
import { type FetchFunction, postTokenRequest, type TokenAnswer } from "./token_endpoint.ts";

/** Options of {@link authCodeLogin}. */
export interface AuthCodeLoginOptions {
  /** The callback port. @default the vendor's port */
  port?: number;
  /** `<PROVIDER>_OAUTH_BASE`. */
  oauthBase?: string;
  /** Give up after this long (`LOGIN_TIMEOUT`). @default 300_000 */
  timeoutMs?: number;
  fetch?: FetchFunction;
  /** Shows the authorize URL to the user (always called, browser or not). */
  showUrl: (url: string) => void;
  /** Opens the authorize URL in a browser; absent with `--no-browser`. */
  openBrowser?: (url: string) => Promise<void>;
  /** Resolves with a URL the user pasted (the failed `localhost` page), when the terminal offers it. */
  readPastedUrl?: (signal: AbortSignal) => Promise<string>;
  /** Tells the user why a pasted line was not taken (the wait goes on). */
  onPasteRefused?: (reason: string) => void;
  /** Timers for the timeout. @default setTimeout */
  setTimer?: (callback: () => void, delayMs: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  signal?: AbortSignal;
}

/** The tokens of a finished login. */
export interface AuthCodeLoginResult {
  tokens: TokenAnswer;
  redirectUri: string;
}

/** Build the vendor's authorize URL. */
export function authorizeUrl(
  client: OAuthClient,
  options: { redirectUri: string; challenge: string; state: string; oauthBase?: string },
): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: client.clientId,
    redirect_uri: options.redirectUri,
    scope: client.scopes.join(" "),
    code_challenge: options.challenge,
    code_challenge_method: "S256",
    ...client.authorizeParams,
    state: options.state,
  });
  return `${redirectVendorUrl(client.authorizeUrl!, options.oauthBase)}?${
    params.toString().replace(/\+/g, "%20")
  }`;
}

/** Run the flow and exchange the code. Throws {@link LoginError} on refusal, mismatch or timeout. */
export async function authCodeLogin(
  client: OAuthClient,
  options: AuthCodeLoginOptions,
): Promise<AuthCodeLoginResult> {
  const {
    port = client.callbackPort!,
    oauthBase,
    timeoutMs = 300_000,
    fetch = globalThis.fetch,
    showUrl,
    openBrowser,
    readPastedUrl,
    onPasteRefused = () => {},
    setTimer = (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimer = (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    signal,
  } = options;
  const { verifier, challenge } = pkcePair();
  const state = randomState();
  let server;
  try {
    server = startCallbackServer({ port, path: client.callbackPath!, state });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new LoginError(
        `port ${port} is in use; free it or set ${client.envPrefix}_OAUTH_PORT (the vendor may refuse other ports)`,
      );
    }
    throw error;
  }
  // The vendors registered `localhost` redirect URIs (OpenAI accepts only those); we listen on 127.0.0.1.
  const redirectUri = `http://localhost:${server.port}${client.callbackPath}`;
  const url = authorizeUrl(client, { redirectUri, challenge, state, oauthBase });
  const stop = new AbortController();
  let timer: unknown = null;
  try {
    showUrl(url);
    await openBrowser?.(url).catch(() => {});
    const waits: Promise<CallbackResult>[] = [server.result];
    waits.push(
      new Promise((_resolve, reject) => {
        timer = setTimer(
          () =>
            reject(
              new LoginError(`no sign-in within ${Math.round(timeoutMs / 1000)} s; the login timed out`),
            ),
          timeoutMs,
        );
      }),
    );
    if (signal) {
      waits.push(
        new Promise((_resolve, reject) => {
          if (signal.aborted) reject(new LoginError("the login was cancelled"));
          signal.addEventListener("abort", () => reject(new LoginError("the login was cancelled")), {
            once: true,
          });
        }),
      );
    }
    if (readPastedUrl) {
      waits.push(readPastedFallback(readPastedUrl, { state, signal: stop.signal, onPasteRefused }));
    }
    const callback = await Promise.race(waits);
    const fields: Record<string, string> = {
      grant_type: "authorization_code",
      code: callback.code,
      redirect_uri: redirectUri,
      client_id: client.clientId,
      code_verifier: verifier,
    };
    if (client.clientSecret) fields.client_secret = client.clientSecret;
    const tokens = await postTokenRequest(client, fields, { fetch, oauthBase, signal });
    return { tokens, redirectUri };
  } finally {
    if (timer !== null) clearTimer(timer);
    stop.abort();
    await server.close();
  }
}

/** Keep reading pasted URLs until one is a valid callback of this login. */
async function readPastedFallback(
  readPastedUrl: (signal: AbortSignal) => Promise<string>,
  options: { state: string; signal: AbortSignal; onPasteRefused: (reason: string) => void },
): Promise<CallbackResult> {
  const { state, signal, onPasteRefused } = options;
  for (;;) {
    const text = (await readPastedUrl(signal)).trim();
    if (signal.aborted) return new Promise(() => {});
    if (text === "") continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      onPasteRefused("that is not a URL; paste the full address of the page your browser was sent to");
      continue;
    }
    if (!url.searchParams.has("code") && !url.searchParams.has("error")) {
      // E.g. the authorize URL itself: a slip of the user, not the end of the login.
      onPasteRefused("that URL carries no authorization code; paste the page your browser was sent to");
      continue;
    }
    try {
      return readCallbackUrl(url, state);
    } catch (error) {
      if (!(error as LoginError).retryable) throw error;
      onPasteRefused((error as LoginError).message);
    }
  }
}
