/**
 * Sending one upstream request with the proxy's timeouts, turning every way it can fail into a
 * typed {@link UpstreamError}. The call is cancelled as soon as the client goes away.
 */
import { UpstreamError } from "../errors.ts";
import type { UpstreamRequest } from "../../providers/types.ts";
import { requestTimeouts } from "./timeouts.ts";

/** The `fetch` the proxy calls upstreams with; injected in tests. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link sendUpstream}. */
export interface SendUpstreamOptions {
  fetch: FetchFunction;
  provider: string;
  /** Maximum wait for the response headers. */
  headersTimeoutMs: number;
  /** The client's signal: aborting it cancels the upstream call at once. */
  signal?: AbortSignal;
}

/** A successful (2xx) upstream answer and the controller that can still cancel its body. */
export interface UpstreamResponse {
  response: Response;
  controller: AbortController;
  /** Stop following the client's signal once the body has been relayed. */
  detach(): void;
}

/** Thrown when the client went away; never counted against a credential. */
export class ClientAbortError extends Error {
  override readonly name = "ClientAbortError";
}

/** Send `request`; resolve on a 2xx answer, throw {@link UpstreamError} on anything else. */
export async function sendUpstream(
  request: UpstreamRequest,
  options: SendUpstreamOptions,
): Promise<UpstreamResponse> {
  const { fetch, provider, headersTimeoutMs, signal } = options;
  if (signal?.aborted) throw new ClientAbortError("client disconnected");
  const controller = new AbortController();
  let timedOut = false;
  const onClientAbort = () => controller.abort(new ClientAbortError("client disconnected"));
  signal?.addEventListener("abort", onClientAbort, { once: true });
  const timer = requestTimeouts.schedule(headersTimeoutMs, () => {
    timedOut = true;
    controller.abort();
  });
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    });
  } catch (error) {
    requestTimeouts.cancel(timer);
    signal?.removeEventListener("abort", onClientAbort);
    if (signal?.aborted) throw new ClientAbortError("client disconnected");
    if (timedOut) {
      throw new UpstreamError(`${provider} did not answer within ${Math.round(headersTimeoutMs / 1000)} s`, {
        kind: "timeout",
        provider,
      });
    }
    throw new UpstreamError(`cannot reach ${provider}: ${describeNetworkError(error)}`, {
      kind: "connection",
      provider,
    });
  }
  const detach = () => signal?.removeEventListener("abort", onClientAbort);
  if (response.ok) {
    requestTimeouts.cancel(timer);
    return { response, controller, detach };
  }
  // The error body is read under the same timer and client link: a stalled body must not hold the key.
  let body = "";
  try {
    body = await response.text();
  } catch {
    if (signal?.aborted) throw new ClientAbortError("client disconnected");
  } finally {
    requestTimeouts.cancel(timer);
    detach();
  }
  throw new UpstreamError(`${provider} answered ${response.status}`, {
    kind: "http",
    provider,
    status: response.status,
    headers: response.headers,
    body,
  });
}

/** Options of {@link readUpstreamText}. */
export interface ReadUpstreamOptions {
  provider: string;
  /** Longest wait for the whole body. */
  timeoutMs: number;
  /** The client's signal, when the client still waits for this body. */
  signal?: AbortSignal;
}

/**
 * Read a successful answer's body under a timeout. A stalled body becomes an `UpstreamError` of kind
 * timeout, a client that left a {@link ClientAbortError}; either way the upstream call is aborted and
 * the client link removed.
 */
export async function readUpstreamText(
  upstream: UpstreamResponse,
  options: ReadUpstreamOptions,
): Promise<string> {
  const { provider, timeoutMs, signal } = options;
  let timedOut = false;
  const timer = requestTimeouts.schedule(timeoutMs, () => {
    timedOut = true;
    upstream.controller.abort();
  });
  try {
    return await upstream.response.text();
  } catch (error) {
    if (signal?.aborted) throw new ClientAbortError("client disconnected");
    if (timedOut) {
      throw new UpstreamError(
        `${provider} did not finish its answer within ${Math.round(timeoutMs / 1000)} s`,
        {
          kind: "timeout",
          provider,
        },
      );
    }
    throw new UpstreamError(`${provider} broke off its answer: ${describeNetworkError(error)}`, {
      kind: "connection",
      provider,
    });
  } finally {
    requestTimeouts.cancel(timer);
    upstream.detach();
  }
}

function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Deno prefixes network errors with the request URL; keep only the cause.
  return message.replace(/^error sending request for url \([^)]*\):\s*/i, "").slice(0, 200);
}
