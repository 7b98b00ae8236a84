/**
 * The HTTP client the proxy calls upstreams with: `native` (our keep-alive HTTP/1.1 client, see
 * `http_client.ts`) or Deno's `fetch`. Both are a `fetch`-shaped function, so the choice is made once,
 * at start-up, and nothing downstream knows which it got.
 */
import { type FetchLike, HttpClient, type HttpClientOptions } from "./http_client.ts";

export { type FetchLike, HttpClient, type HttpClientOptions } from "./http_client.ts";
export { HttpProtocolError } from "./response_head.ts";

/** `UPSTREAM_HTTP_CLIENT`: which client sends upstream requests. */
export type UpstreamHttpClientKind = "native" | "fetch";

/** A chosen upstream client. */
export interface UpstreamFetch {
  readonly kind: UpstreamHttpClientKind;
  readonly fetch: FetchLike;
  /** Close idle connections (at shutdown). */
  close(): void;
}

/** The upstream client of `kind`; `options` apply to the native one. */
export function upstreamFetch(kind: UpstreamHttpClientKind, options: HttpClientOptions = {}): UpstreamFetch {
  if (kind === "fetch") return { kind, fetch: globalThis.fetch, close: () => {} };
  const client = new HttpClient(options);
  return { kind, fetch: client.fetch, close: () => client.close() };
}
