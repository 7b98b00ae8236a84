/**
 * The one upstream client: every call to a provider (chat as JSON or stream, count_tokens, embeddings,
 * model listings) goes through it and the rotator. It owns the attempt — authorize the credential, build
 * the request, send it under the headers timeout, read and check the answer under the read timeout — so
 * that an answer the client could not use (a body that is not JSON, a stream that is not an event stream
 * or whose first event is not JSON, a body cut or stalled before anything reached the client) is a
 * failure of that key, retried on another, never a `200` with garbage.
 *
 * Handlers only build requests and translate answers; the caller ends the call with `finish()` once
 * the answer is relayed (a stream's end, or a JSON answer's usage).
 */
import type { AuthHeaders, UpstreamRequest } from "../../providers/types.ts";
import type { Credential } from "../credentials/credential.ts";
import { UpstreamError } from "../errors.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { AttemptContext, CallFacts, ExecuteResult, Rotator, Target } from "./rotator.ts";
import { requestTimeouts } from "./timeouts.ts";
import {
  ClientAbortError,
  type FetchFunction,
  readUpstreamText,
  sendUpstream,
  type UpstreamResponse,
} from "./upstream_call.ts";
import { peekFirstEvent } from "./stream_peek.ts";

/** Options of an {@link Authorize} call. */
export interface AuthorizeOptions {
  /** The client's signal: a refresh the client no longer waits for may be abandoned. */
  signal?: AbortSignal;
  /**
   * The upstream refused the last token (401): get a new one even if the cached one looks valid. Asked
   * once per attempt, and only for credentials that are not plain API keys.
   */
  forceRefresh?: boolean;
}

/** Produces the access token of a credential for one call (an API key's secret; an OAuth access token). */
export type Authorize = (credential: Credential, options: AuthorizeOptions) => Promise<string>;

/**
 * The default {@link Authorize}: an API key is its own access token. Other kinds of credential (OAuth
 * accounts) need an authorizer that knows them; with this one they fail loudly instead of leaking a field.
 */
export const authorizeApiKey: Authorize = (credential) => {
  if (credential.kind !== "api_key") {
    return Promise.reject(new TypeError("this kind of credential needs its own authorize()"));
  }
  return Promise.resolve(credential.secret);
};

/** The proxy's upstream timeouts, in ms. */
export interface UpstreamTimeouts {
  /** `TIMEOUT_CONNECT`: longest wait for the response headers (capped by the call's global deadline). */
  connectMs: number;
  /** `TIMEOUT_READ_STREAMING`: longest silence of a stream, also before its first event. */
  streamingReadMs: number;
  /** `TIMEOUT_READ_NON_STREAMING`: longest wait for a whole JSON body once its headers arrived. */
  nonStreamingReadMs: number;
}

/** Options of {@link UpstreamClient}. */
export interface UpstreamClientOptions {
  rotator: Rotator;
  /** The `fetch` upstreams are called with. */
  fetch: FetchFunction;
  timeouts: UpstreamTimeouts;
  /** @default authorizeApiKey */
  authorize?: Authorize;
  /** @default systemClock */
  clock?: Clock;
}

/** What a request builder gets for one attempt. */
export interface BuildContext extends AttemptContext {
  /** The attempt's authentication headers (from the adapter's `authHeaders`). */
  auth: AuthHeaders;
}

/** A request to send again on the same credential after a refusal, and what to do once it is taken. */
export interface Resend {
  request: UpstreamRequest;
  /** Called once the upstream accepted the resent request (its headers were a 2xx). */
  accepted?: () => void;
}

/** Options of {@link UpstreamClient.json} and {@link UpstreamClient.stream}. */
export interface UpstreamCallOptions {
  targets: readonly Target[];
  /** The client's signal; its disconnect cancels the upstream call. */
  signal?: AbortSignal;
  /** Who the call is for, named in attempt events. */
  facts?: CallFacts;
  /** Build the request of one attempt. */
  build(context: BuildContext): UpstreamRequest;
  /**
   * After an HTTP refusal, a request to send once more on the same credential (e.g. with the output limit
   * lowered to the ceiling the refusal named), or null to let the refusal stand.
   */
  resend?(error: UpstreamError, context: BuildContext): Resend | null;
  /** Longest wait for a JSON body after its headers. @default timeouts.nonStreamingReadMs */
  readTimeoutMs?: number;
}

/** A checked JSON answer: the bytes as read (to relay untouched) and their one parse. */
export interface JsonAnswer {
  /** The upstream response (its status and headers; the body is already read). */
  response: Response;
  text: string;
  json: unknown;
}

/** A checked event stream: its first event was read and is valid; `body` replays it, then the rest. */
export interface StreamAnswer {
  /** The upstream response (status and headers; read the body from `body`). */
  response: Response;
  body: ReadableStream<Uint8Array>;
  /** Aborts the upstream request. */
  controller: AbortController;
  /** Stop following the client's signal once the stream has been relayed. */
  detach(): void;
}

/** Sends calls through the rotator, one checked attempt at a time. */
export class UpstreamClient {
  readonly #rotator: Rotator;
  readonly #fetch: FetchFunction;
  readonly #timeouts: UpstreamTimeouts;
  readonly #authorize: Authorize;
  readonly #clock: Clock;

  constructor(options: UpstreamClientOptions) {
    this.#rotator = options.rotator;
    this.#fetch = options.fetch;
    this.#timeouts = options.timeouts;
    this.#authorize = options.authorize ?? authorizeApiKey;
    this.#clock = options.clock ?? systemClock;
  }

  /** The rotator the calls go through. */
  get rotator(): Rotator {
    return this.#rotator;
  }

  /**
   * A call whose answer is one JSON document. A body that is cut, stalls past the read timeout, or does
   * not parse fails the attempt, and the next key is tried. End the call with `finish()`.
   */
  json(options: UpstreamCallOptions): Promise<ExecuteResult<JsonAnswer>> {
    const { signal } = options;
    const timeoutMs = options.readTimeoutMs ?? this.#timeouts.nonStreamingReadMs;
    return this.#rotator.execute({
      targets: options.targets,
      signal,
      facts: options.facts,
      attempt: async (context) => {
        // The whole answer comes within the read timeout; its headers, also within TIMEOUT_CONNECT.
        const answerDeadlineMs = this.#clock.now() + timeoutMs;
        const upstream = await this.#send(options, context, timeoutMs);
        const provider = context.target.provider.id;
        const text = await readUpstreamText(upstream, {
          provider,
          timeoutMs: Math.max(1, answerDeadlineMs - this.#clock.now()),
          signal,
        });
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw unreadable(provider, upstream.response, text, "a body that is not JSON");
        }
        return { response: upstream.response, text, json };
      },
    });
  }

  /**
   * A call answered by an event stream. An answer that is not `text/event-stream`, or whose first event
   * is not JSON (or that ends or stalls before it), fails the attempt before anything reaches the client,
   * and the next key is tried. End the call with `finish()` when the stream has been relayed.
   */
  stream(options: UpstreamCallOptions): Promise<ExecuteResult<StreamAnswer>> {
    const { signal } = options;
    return this.#rotator.execute({
      targets: options.targets,
      signal,
      facts: { ...options.facts, stream: true },
      attempt: async (context) => {
        const upstream = await this.#send(options, context, Infinity);
        const { response, controller } = upstream;
        const provider = context.target.provider.id;
        const type = response.headers.get("content-type") ?? "";
        // Some small OpenAI-compatible servers send no content type at all; their first event still decides.
        const eventStream = type.trim() === "" || /^text\/event-stream\b/i.test(type.trim());
        if (!eventStream || response.body === null) {
          // Read a little of it for the log, under the read timeout; then the next key.
          const text = await readUpstreamText(upstream, {
            provider,
            timeoutMs: this.#timeouts.streamingReadMs,
            signal,
          }).catch(() => "");
          throw unreadable(
            provider,
            response,
            text,
            `${type || "no content type"} instead of an event stream`,
          );
        }
        const peeked = await peekFirstEvent(response.body, {
          provider,
          timeoutMs: this.#timeouts.streamingReadMs,
          controller,
          signal,
          timers: requestTimeouts,
        }).catch((error) => {
          upstream.detach();
          throw error;
        });
        if (!peeked.ok) {
          upstream.detach();
          throw unreadable(provider, response, peeked.sample, peeked.problem);
        }
        const status = errorStatusOf(peeked.first.json, peeked.first.event);
        if (status !== null) {
          // An error before any output (OpenRouter and Anthropic answer 200, then an error event): nothing
          // reached the client yet, so it is judged like the same error as an HTTP answer.
          upstream.detach();
          controller.abort();
          peeked.body.cancel().catch(() => {});
          throw new UpstreamError(`${provider} answered its stream with an error event`, {
            kind: "http",
            provider,
            status,
            headers: response.headers,
            body: peeked.first.data.slice(0, 2_000),
          });
        }
        return { response, body: peeked.body, controller, detach: upstream.detach };
      },
    });
  }

  /**
   * Authorize, build, send; after a 401 on a refreshable credential refresh once and send again. The
   * headers must come within `TIMEOUT_CONNECT`, before the call's deadline and within `capMs`.
   */
  async #send(
    options: UpstreamCallOptions,
    context: AttemptContext,
    capMs: number,
  ): Promise<UpstreamResponse> {
    const { signal } = options;
    const { credential, target, deadlineAtMs } = context;
    const { adapter } = target.provider;
    const build = async (forceRefresh: boolean): Promise<BuildContext> => {
      const token = await this.#authorize(credential, { signal, ...(forceRefresh ? { forceRefresh } : {}) });
      return { ...context, auth: adapter.authHeaders(token, credential) };
    };
    // Every response's headers must come within TIMEOUT_CONNECT, and before the call's deadline: a key
    // whose upstream hangs then fails over instead of holding the call for the whole read timeout.
    const sendOnce = (request: UpstreamRequest) =>
      sendUpstream(request, {
        fetch: this.#fetch,
        provider: target.provider.id,
        headersTimeoutMs: Math.max(
          1,
          Math.min(this.#timeouts.connectMs, capMs, deadlineAtMs - this.#clock.now()),
        ),
        signal,
      }).then((upstream) => {
        context.headersReceived();
        return upstream;
      });
    // A vendor with several hosts (Antigravity): a host that is out of capacity or unreachable hands the same
    // call to the next one, on the same credential, before the rotator judges the failure.
    const send = async (request: UpstreamRequest): Promise<UpstreamResponse> => {
      const urls = [request.url, ...(request.fallbackUrls ?? [])];
      for (let index = 0;; index++) {
        try {
          return await sendOnce({ ...request, url: urls[index] });
        } catch (error) {
          const next = index + 1 < urls.length && error instanceof UpstreamError &&
            this.#clock.now() < deadlineAtMs && adapter.tryNextHost?.(error) === true;
          if (!next) throw error;
        }
      }
    };
    let built = await build(false);
    try {
      return await send(options.build(built));
    } catch (error) {
      if (!(error instanceof UpstreamError) || error.kind !== "http") throw error;
      if (error.status === 401 && credential.kind !== "api_key") {
        // An OAuth token may have expired early or been revoked: refresh once, same credential, same call.
        built = await build(true);
        return await send(options.build(built));
      }
      const again = options.resend?.(error, built) ?? null;
      if (again === null || this.#clock.now() >= deadlineAtMs) throw error;
      const upstream = await send(again.request);
      again.accepted?.();
      return upstream;
    }
  }
}

/** Anthropic's error types and the HTTP statuses it documents for them. */
const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/**
 * The HTTP status an error event stands for, or null when the event is not an error: Anthropic's
 * `event: error` (https://docs.anthropic.com/en/api/messages-streaming#error-events), and the `{"error":
 * {"code": 429, …}}` that OpenAI-compatible routers and Gemini put in a stream.
 */
function errorStatusOf(json: unknown, event: string | undefined): number | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const record = json as Record<string, unknown>;
  const error = record.error;
  if (event !== "error" && record.type !== "error" && (typeof error !== "object" || error === null)) {
    return null;
  }
  const fields = typeof error === "object" && error !== null ? error as Record<string, unknown> : {};
  const code = Number(fields.code);
  if (Number.isInteger(code) && code >= 400 && code <= 599) return code;
  return (typeof fields.type === "string" ? ANTHROPIC_ERROR_STATUS[fields.type] : undefined) ?? 500;
}

/** An answer the client could not use: a failure of the key (another may answer well), shown as a 502. */
function unreadable(provider: string, response: Response, text: string, what: string): UpstreamError {
  return new UpstreamError(`${provider} answered ${response.status} with ${what}`, {
    kind: "http",
    provider,
    status: 502,
    body: text.slice(0, 500),
  });
}

export { ClientAbortError };
