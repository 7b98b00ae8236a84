// deno-lint-ignore-file no-console
/**
 * A calibration for the proxy benchmark: the least a relay can do, `Deno.serve` handing each request
 * to an upstream and its answer back (headers relayed, body passed on as a stream), with Deno's `fetch`
 * (plain, or on a tuned `Deno.createHttpClient` pool) or the proxy's native client. Run in its own process:
 * `deno run --allow-net=127.0.0.1 tests/bench/bare_relay.ts <upstream origin> native|fetch|fetch-pool`; prints
 * `listening <port>` once. What the proxy adds on top of this is the cost of its own logic.
 */
import { HttpClient } from "../../lib/http/mod.ts";
import { relayHeaders } from "../../lib/server/relay.ts";

if (import.meta.main) {
  const [origin, kind = "native"] = Deno.args;
  // `fetch-pool`: Deno's fetch on a client tuned for many keep-alive HTTP/1.1 connections to one host.
  const pool = kind === "fetch-pool" ? Deno.createHttpClient({ http2: false, poolMaxIdlePerHost: 64 }) : null;
  const fetcher: typeof globalThis.fetch = kind === "native"
    ? new HttpClient().fetch
    : pool === null
    ? globalThis.fetch
    : (input, init) => fetch(input, { ...init, client: pool });
  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`listening ${port}`),
  }, async (request) => {
    const { pathname } = new URL(request.url);
    const upstream = await fetcher(`${origin}${pathname}`, {
      method: request.method,
      headers: {
        "content-type": "application/json",
        "authorization": "Bearer sk-bench-0123456789abcdef0123",
      },
      body: await request.text(),
    });
    return new Response(upstream.body, { status: upstream.status, headers: relayHeaders(upstream.headers) });
  });
}
