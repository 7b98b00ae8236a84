/** Client authentication: `Authorization: Bearer <key>` or `x-api-key`, compared in constant time. */
import { createHash, timingSafeEqual } from "node:crypto";
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
  const expected = digest(options.apiKey);
  return async function clientAuth(c, next) {
    const presented = presentedKey(c.req.raw.headers);
    // Comparing fixed-length digests keeps the time independent of where the keys differ and of their length.
    if (presented === null || !timingSafeEqual(digest(presented), expected)) {
      throw new RequestError(
        401,
        presented === null
          ? "missing API key: send `Authorization: Bearer <PROXY_API_KEY>` or `x-api-key`"
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
  const apiKey = headers.get("x-api-key");
  return apiKey === null || apiKey.trim() === "" ? null : apiKey.trim();
}

function digest(value: string): Uint8Array {
  return createHash("sha256").update(value).digest();
}
