/**
 * `RotatingClient`: the proxy's resilience engine for programs, without HTTP. It is the server's own core
 * (`lib/assembly.ts`: the same providers, rotator, formats, validation and error rendering), driven
 * in-process through `app.fetch` with requests that never reach a socket.
 */
import { configFromVariables } from "../config/load.ts";
import { assembleProxy, type ProxyCore } from "../assembly.ts";
import { ConfigError } from "../errors.ts";
import { createLogger, type LogSink } from "../log/logger.ts";
import { errorFromResponse, RotatingClientError } from "./errors.ts";
import { readEventStream } from "./event_stream.ts";
import { JsonFileStore } from "../store/state_store.ts";
import { startOAuth } from "../server/oauth_runtime.ts";
import type { RotatingClientOptions } from "./options.ts";
import { optionError, variablesFromOptions } from "./variables.ts";
import type {
  CallOptions,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
  JsonObject,
  Message,
  MessagesRequest,
  MessageStreamEvent,
  ModelInfo,
  UsageReport,
} from "./types.ts";

/** The origin of in-process requests; a name that no network resolves, since nothing is sent. */
const ORIGIN = "http://rotating-client.invalid";

/**
 * Calls LLM providers through pools of API keys: picks the best key, retries on another when one fails,
 * cools failing keys down, and gives up with a {@link RotatingClientError} when the deadline
 * (`globalTimeout`) or `maxRetries` is reached. Works in Deno and, from the npm package, in Node.
 *
 * @example
 * ```ts
 * import { RotatingClient } from "./mod.ts";
 *
 * const client = new RotatingClient({ apiKeys: { openai: ["sk-1", "sk-2"], groq: ["gsk-1"] } });
 * const messages = [{ role: "user", content: "Hello" }];
 * const completion = await client.chat({ model: "openai/gpt-4o-mini", messages });
 * console.log(completion.choices[0].message.content);
 *
 * for await (const chunk of await client.chat({ model: "groq/llama-3.3-70b-versatile", messages, stream: true })) {
 *   console.log(chunk.choices[0]?.delta.content ?? "");
 * }
 * await client.close();
 * ```
 */
export class RotatingClient {
  readonly #core: Promise<ProxyCore>;
  readonly #authorization: string;
  #closing: Promise<void> | null = null;

  /**
   * A client with the given keys. Options are checked at once: a bad one throws a
   * {@link RotatingClientError} with code `invalid_option` and `param` naming it. Saved usage and cooldowns (`store`) are loaded before the first call runs.
   */
  constructor(options: RotatingClientOptions) {
    const internalKey = `sk-library-${crypto.randomUUID()}`;
    this.#authorization = `Bearer ${internalKey}`;
    let config;
    try {
      config = configFromVariables(variablesFromOptions(options, internalKey), {
        dataDir: typeof options.store === "string" ? options.store : "",
      });
    } catch (error) {
      throw error instanceof ConfigError ? optionError(error) : error;
    }
    if (config.stateStore.kind !== "files") {
      // Its client would make the package depend on ioredis; the server shares pools on Redis.
      throw new RotatingClientError("settings.STATE_STORE: Redis is served by the proxy, not the library", {
        status: 400,
        type: "invalid_request_error",
        code: "invalid_option",
        param: "settings.STATE_STORE",
      });
    }
    const sink: LogSink = options.onLog ?? (() => {});
    const logger = createLogger(config.logLevel, sink);
    const store = typeof options.store === "string"
      ? new JsonFileStore(options.store, logger)
      : options.store;
    const fetch = options.fetch ?? globalThis.fetch;
    const { oauth: accounts, clock } = options;
    this.#core = (async () => {
      // OAuth accounts: inline ones come through the variables (kept in memory), a folder is read and written
      // back; either way the server's own accounts, refresh and pools, without its file watch and signals.
      const oauth = accounts === undefined ? null : await startOAuth(config, {
        logger,
        fetch,
        ...(clock ? { clock } : {}),
        credentialsDirectory: typeof accounts === "string" ? accounts : null,
        watch: false,
      });
      return await assembleProxy(config, { logger, store, fetch, clock, oauth });
    })();
    // A failure here reaches the caller with the first call; it must not crash the process before.
    this.#core.catch(() => {});
  }

  /**
   * An OpenAI Chat Completions call: the completion object, or with `stream: true` an async iterable of
   * chunk objects. Errors before output throw a {@link RotatingClientError} here; a stream that breaks
   * after output began throws one from the loop (`afterOutput: true`).
   *
   * @example
   * ```ts
   * const reply = await client.chat({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
   * ```
   */
  chat(
    request: ChatCompletionRequest & { stream: true },
    options?: CallOptions,
  ): Promise<AsyncIterable<ChatCompletionChunk>>;
  /** The completion object of a call without `stream`. */
  chat(
    request: ChatCompletionRequest & { stream?: false | null },
    options?: CallOptions,
  ): Promise<ChatCompletion>;
  /** Either, as `request.stream` says. */
  chat(
    request: ChatCompletionRequest,
    options?: CallOptions,
  ): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
  chat(
    request: ChatCompletionRequest,
    options: CallOptions = {},
  ): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    return this.#call("/v1/chat/completions", request, { ...options, format: "openai" });
  }

  /**
   * An Anthropic Messages call, served by any provider: the message object, or with `stream: true` an
   * async iterable of Anthropic's stream events. Errors are Anthropic's (`overloaded_error` 529, …).
   *
   * @example
   * ```ts
   * const message = await client.messages({
   *   model: "anthropic/claude-sonnet-4",
   *   max_tokens: 1024,
   *   messages: [{ role: "user", content: "Hi" }],
   * });
   * ```
   */
  messages(
    request: MessagesRequest & { stream: true },
    options?: CallOptions,
  ): Promise<AsyncIterable<MessageStreamEvent>>;
  /** The message object of a call without `stream`. */
  messages(request: MessagesRequest & { stream?: false }, options?: CallOptions): Promise<Message>;
  /** Either, as `request.stream` says. */
  messages(
    request: MessagesRequest,
    options?: CallOptions,
  ): Promise<Message | AsyncIterable<MessageStreamEvent>>;
  messages(
    request: MessagesRequest,
    options: CallOptions = {},
  ): Promise<Message | AsyncIterable<MessageStreamEvent>> {
    return this.#call("/v1/messages", request, { ...options, format: "anthropic" });
  }

  /**
   * An OpenAI embeddings call (OpenAI-compatible providers and Gemini).
   *
   * @example
   * ```ts
   * const { data } = await client.embeddings({ model: "openai/text-embedding-3-small", input: ["a", "b"] });
   * ```
   */
  async embeddings(request: EmbeddingsRequest, options: CallOptions = {}): Promise<EmbeddingsResponse> {
    const response = await this.#send("POST", "/v1/embeddings", { body: request, signal: options.signal });
    return await response.json() as EmbeddingsResponse;
  }

  /**
   * Every configured provider's models (ids `provider/model`, filters applied), then the aliases; each
   * provider's listing is cached for `MODELS_CACHE_TTL`.
   *
   * @example
   * ```ts
   * const ids = (await client.models()).map((model) => model.id);
   * ```
   */
  async models(options: CallOptions = {}): Promise<ModelInfo[]> {
    const response = await this.#send("GET", "/v1/models", { signal: options.signal });
    return (await response.json() as { data: ModelInfo[] }).data;
  }

  /**
   * The pools' usage and states: per provider and masked key, its state (available, cooling until …,
   * disabled), calls in flight and usage today and in total. The server's `GET /v1/quota-stats`.
   *
   * @example
   * ```ts
   * const report = await client.usage({ provider: "openai" });
   * console.log(report.providers.openai);
   * ```
   */
  async usage(options: CallOptions & { provider?: string } = {}): Promise<UsageReport> {
    const query = options.provider === undefined ? "" : `?provider=${encodeURIComponent(options.provider)}`;
    const response = await this.#send("GET", `/v1/quota-stats${query}`, { signal: options.signal });
    return await response.json() as UsageReport;
  }

  /**
   * Save usage and cooldowns to the store and stop listening for changes, so that the process can exit.
   * Later calls throw. Calling it again waits for the same close.
   *
   * @example
   * ```ts
   * await client.close();
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= this.#core.then((core) => core.close(), () => {});
    return this.#closing;
  }

  async #call<T extends JsonObject, Chunk extends JsonObject>(
    path: string,
    request: JsonObject,
    options: CallOptions & { format: "openai" | "anthropic" },
  ): Promise<T | AsyncIterable<Chunk>> {
    const response = await this.#send("POST", path, { body: request, signal: options.signal });
    if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) {
      return readEventStream<Chunk>(response, { format: options.format });
    }
    return await response.json() as T;
  }

  /** One in-process request to the app; an error answer is thrown as a {@link RotatingClientError}. */
  async #send(
    method: "GET" | "POST",
    path: string,
    options: { body?: unknown; signal?: AbortSignal },
  ): Promise<Response> {
    if (this.#closing !== null) {
      throw new RotatingClientError("the client is closed", { status: 400, type: "invalid_request_error" });
    }
    const core = await this.#core;
    const headers: Record<string, string> = { authorization: this.#authorization };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const response = await core.app.fetch(
      new Request(`${ORIGIN}${path}`, { method, headers, body, signal: options.signal }),
    );
    // Like fetch: an aborted call rejects with the signal's reason (the app answers it with a bare 499).
    if (options.signal?.aborted) throw options.signal.reason;
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }
}
