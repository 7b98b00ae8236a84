/**
 * The client's format of a route group, stored in the request context before anything can fail, so
 * that every error (a wrong key, a bad body, an upstream failure) is rendered in the shape the client
 * reads, without guessing it from the URL afterwards.
 */
import type { MiddlewareHandler } from "hono";
import type { FormatCodec } from "../../formats/mod.ts";
import type { AppEnv } from "../context.ts";

/** Options of {@link inboundFormat}. */
export interface InboundFormatOptions {
  /** Only requests that pass take this format (others keep theirs). @default every request */
  when?: (path: string, request: Request) => boolean;
}

/** Store `codec` as the request's inbound format. */
export function inboundFormat(
  codec: FormatCodec,
  options: InboundFormatOptions = {},
): MiddlewareHandler<AppEnv> {
  const { when } = options;
  return async function inboundFormat(c, next) {
    if (when === undefined || when(c.req.path, c.req.raw)) c.set("inbound", codec);
    await next();
  };
}
