/**
 * Client authentication: `Authorization: Bearer <key>`, `x-api-key`, or as Google's clients send it,
 * `x-goog-api-key` or `?key=`; compared in constant time.
 */
import type { MiddlewareHandler } from "hono";
import { RequestError } from "../../errors.ts";

/** Options of {@link clientAuth}. */
export interface ClientAuthOptions {
  /** The proxy's key (`PROXY_API_KEY`). */
  apiKey: string;
}

/** Reject requests that do not carry the proxy key with a 401. */
export function clientAuth(options: ClientAuthOptions): MiddlewareHandler {
  if (options.apiKey === "") throw new Error("clientAuth needs a non-empty apiKey");
  const expected = options.apiKey;
  return async function clientAuth(c, next) {
    const presented = presentedKey(c.req.raw.headers) ?? queryKey(c.req.url);
    if (presented === null || !constantTimeEquals(presented, expected)) {
      throw new RequestError(
        401,
        presented === null
          ? "missing API key: send `Authorization: Bearer <PROXY_API_KEY>`, `x-api-key` or `x-goog-api-key`"
          : "invalid API key",
        { code: "invalid_api_key" },
      );
    }
    await next();
  };
}

function presentedKey(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1].trim();
  }
  for (const name of ["x-api-key", "x-goog-api-key"]) {
    const apiKey = headers.get(name)?.trim();
    if (apiKey) return apiKey;
  }
  return null;
}

/** `?key=` (Google's clients put the API key in the query string when not in a header). */
function queryKey(url: string): string | null {
  const query = url.indexOf("?");
  if (query < 0) return null;
  const key = new URLSearchParams(url.slice(query + 1)).get("key")?.trim();
  return key ? key : null;
}

/**
 * Compare without an early exit: the time depends only on the expected key's length (not secret),
 * never on where the two differ.
 */
export function constantTimeEquals(presented: string, expected: string): boolean {
  let difference = presented.length ^ expected.length;
  for (let index = 0; index < expected.length; index++) {
    // charCodeAt past the end is NaN; `| 0` makes it 0, so a shorter key still costs the same.
    difference |= (presented.charCodeAt(index) | 0) ^ expected.charCodeAt(index);
  }
  return difference === 0;
}
