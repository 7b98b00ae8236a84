/**
 * The one-shot loopback server an authorization-code login waits on: it listens on 127.0.0.1 at the
 * port the vendor registered, accepts exactly one callback whose `state` matches, answers a small
 * page, and closes. A callback with another `state` is refused and the wait goes on.
 */

/** What the authorization server sent back. */
export interface CallbackResult {
  code: string;
  /** The full URL the browser was sent to (for messages; holds a one-time code, not a token). */
  url: string;
}

/** Options of {@link startCallbackServer}. */
export interface CallbackServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  path: string;
  /** The `state` the callback must carry. */
  state: string;
  /** @default "127.0.0.1" */
  hostname?: string;
}

/** A listening callback server. */
export interface CallbackServer {
  /** The port it listens on. */
  port: number;
  /** Settles with the first valid callback, or rejects on an `error` callback. */
  result: Promise<CallbackResult>;
  /** Stop listening (idempotent). */
  close(): Promise<void>;
}

/** Read a callback URL: the code when `state` matches, an error naming what was wrong otherwise. */
export function readCallbackUrl(url: URL, state: string): CallbackResult {
  const error = url.searchParams.get("error");
  if (error) {
    const description = url.searchParams.get("error_description");
    throw new LoginError(
      `the authorization server refused: ${error}${description ? ` (${description})` : ""}`,
    );
  }
  if (url.searchParams.get("state") !== state) {
    throw new LoginError("the callback's state does not match this login (a stale or forged redirect)", true);
  }
  const code = url.searchParams.get("code");
  if (!code) throw new LoginError("the callback carries no authorization code");
  return { code, url: url.toString() };
}

/** A login failed; `retryable` when the user may simply try the callback again. */
export class LoginError extends Error {
  override readonly name = "LoginError";
  constructor(message: string, readonly retryable = false) {
    super(message);
  }
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif">` +
  `<h1>${title}</h1><p>${text}</p></body>`;

/** Listen for the callback. Throws when the port is taken, with a message naming the override. */
export function startCallbackServer(options: CallbackServerOptions): CallbackServer {
  const { port, path, state, hostname = "127.0.0.1" } = options;
  let settle!: { resolve: (result: CallbackResult) => void; reject: (error: Error) => void };
  const result = new Promise<CallbackResult>((resolve, reject) => settle = { resolve, reject });
  let done = false;
  const html = (status: number, title: string, text: string) =>
    new Response(PAGE(title, text), { status, headers: { "content-type": "text/html; charset=utf-8" } });
  const server = Deno.serve({ hostname, port, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname !== path || done) return html(404, "Not found", "This page is not part of the login.");
    try {
      const callback = readCallbackUrl(url, state);
      done = true;
      settle.resolve(callback);
      return html(200, "Signed in", "You can close this tab and return to the terminal.");
    } catch (error) {
      const loginError = error as LoginError;
      if (loginError.retryable) return html(400, "Login refused", loginError.message);
      done = true;
      settle.reject(loginError);
      return html(400, "Login failed", loginError.message);
    }
  });
  let closed: Promise<void> | null = null;
  return {
    port: server.addr.port,
    result,
    close: () => closed ??= server.shutdown(),
  };
}
