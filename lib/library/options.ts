/**
 * The options of a `RotatingClient`, and how they become the same variables the server reads from its
 * environment (`OPENAI_API_KEY_1`, `MYLOCAL_API_BASE`, `GLOBAL_TIMEOUT`, …), so that one parser
 * (`lib/config`) builds the configuration of both. Nothing here reads the process environment or a file.
 */
import { ConfigError } from "../errors.ts";
import { RotatingClientError } from "./errors.ts";

/** How much the client logs, least to most severe. */
export type ClientLogLevel = "debug" | "info" | "warn" | "error";

/**
 * Where usage and cooldowns persist: named JSON documents (`usage_<provider>`). Any object with these two
 * methods will do, e.g. one backed by a database.
 */
export interface UsageStore {
  /** The document saved under `name`, or null when there is none. */
  load(name: string): Promise<unknown | null>;
  /** Save `document` under `name`. */
  save(name: string, document: unknown): Promise<void>;
}

/** Time and timers, injected so tests move time instead of waiting for cooldowns. */
export interface ClientClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Call `callback` after `delayMs`; returns a handle for `clearTimer`. */
  setTimer(callback: () => void, delayMs: number): unknown;
  /** Cancel a timer that has not fired. */
  clearTimer(handle: unknown): void;
}

/**
 * How a {@link RotatingClient} is configured.
 *
 * @example
 * ```ts
 * const options: RotatingClientOptions = {
 *   apiKeys: { openai: ["sk-1", "sk-2"], mylocal: ["anything"] },
 *   apiBases: { mylocal: "http://127.0.0.1:1234/v1" },
 *   globalTimeout: 60,
 *   maxRetries: 4,
 *   store: "./usage",
 * };
 * ```
 */
export interface RotatingClientOptions {
  /**
   * API keys per provider id (`openai`, `anthropic`, `gemini`, `groq`, … or a custom id named in
   * `apiBases`); several keys of one provider form a pool, spent in turn. As `<PROVIDER>_API_KEY_<N>`.
   */
  apiKeys: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Base URLs per provider id, the values `<PROVIDER>_API_BASE` takes: with `/v1` for OpenAI-compatible
   * providers, the host root for Anthropic and Gemini. An id that is not built in defines a custom
   * OpenAI-compatible provider. @default each vendor's own
   */
  apiBases?: Readonly<Record<string, string>>;
  /**
   * Seconds a call may spend waiting for a key plus all its attempts until the first byte
   * (`GLOBAL_TIMEOUT`). @default 30
   */
  globalTimeout?: number;
  /**
   * Attempts a call may make after its first, across keys and alias targets (`MAX_RETRIES`).
   * @default unbounded: only `globalTimeout` bounds them
   */
  maxRetries?: number;
  /**
   * Where usage, cooldowns and disabled keys persist: a folder (one `usage_<provider>.json` each, as the
   * server's `usage/` folder), or any {@link UsageStore}. @default memory only
   */
  store?: string | UsageStore;
  /**
   * Any other setting of the configuration reference, by variable name: `MODEL_ALIAS_SMART`,
   * `ROTATION_MODE_OPENAI`, `TIMEOUT_READ_STREAMING`, … The options above win over these.
   * @default none
   */
  settings?: Readonly<Record<string, string>>;
  /** Lines below this level are not written. @default "warn" */
  logLevel?: ClientLogLevel;
  /** Where log lines go (secrets are masked already). @default nowhere: a library prints nothing unasked */
  onLog?: (level: ClientLogLevel, line: string) => void;
  /** The `fetch` upstreams are called with. @default globalThis.fetch */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Time and timers of the rotator (tests move time instead of waiting). @default the system clock */
  clock?: ClientClock;
}

/** Variables of the options that name them, for error messages in the library's words. */
const OPTION_OF_VARIABLE: Readonly<Record<string, string>> = {
  GLOBAL_TIMEOUT: "globalTimeout",
  MAX_RETRIES: "maxRetries",
  PROXY_LOG_LEVEL: "logLevel",
};

const PROVIDER_ID = /^[a-z][a-z0-9_]*$/i;

/**
 * The variables the options stand for. `proxyApiKey` authorizes the in-process calls (it never leaves
 * the process). Throws `ConfigError` naming the option at fault.
 */
export function variablesFromOptions(
  options: RotatingClientOptions,
  proxyApiKey: string,
): Record<string, string> {
  const { apiKeys, apiBases = {}, globalTimeout, maxRetries, settings = {}, logLevel = "warn" } = options;
  if (typeof apiKeys !== "object" || apiKeys === null) {
    throw new ConfigError("apiKeys", 'must be an object such as { openai: ["sk-…"] }');
  }
  const variables: Record<string, string> = { ...settings };
  for (const [id, keys] of Object.entries(apiKeys)) {
    const prefix = providerPrefix("apiKeys", id);
    const list = typeof keys === "string" ? [keys] : keys;
    if (!Array.isArray(list) || list.some((key) => typeof key !== "string")) {
      throw new ConfigError(`apiKeys.${id}`, "must be a key or an array of keys");
    }
    list.forEach((key, index) => variables[`${prefix}_API_KEY_${index + 1}`] = key);
  }
  for (const [id, base] of Object.entries(apiBases)) {
    if (typeof base !== "string") throw new ConfigError(`apiBases.${id}`, "must be a URL");
    variables[`${providerPrefix("apiBases", id)}_API_BASE`] = base;
  }
  if (globalTimeout !== undefined) variables.GLOBAL_TIMEOUT = String(globalTimeout);
  if (maxRetries !== undefined) variables.MAX_RETRIES = String(maxRetries);
  variables.PROXY_LOG_LEVEL = logLevel;
  variables.PROXY_API_KEY = proxyApiKey;
  return variables;
}

/**
 * A `ConfigError` about a variable as the library reports it: a {@link RotatingClientError} with code
 * `invalid_option` and `param` naming the option (or the variable of `settings`) at fault.
 */
export function optionError(error: ConfigError): RotatingClientError {
  const problem = error.message.slice(error.variable.length + 2);
  const base = /^([A-Z][A-Z0-9_]*?)_API_BASE$/.exec(error.variable);
  const option = base ? `apiBases.${base[1].toLowerCase()}` : OPTION_OF_VARIABLE[error.variable] ??
    (error.variable.includes(".") ? error.variable : `settings.${error.variable}`);
  return new RotatingClientError(`${option}: ${problem}`, {
    status: 400,
    type: "invalid_request_error",
    code: "invalid_option",
    param: option,
  });
}

function providerPrefix(option: string, id: string): string {
  if (!PROVIDER_ID.test(id)) {
    throw new ConfigError(
      `${option}.${id}`,
      "a provider id is letters, digits and _ (e.g. openai, my_local)",
    );
  }
  return id.toUpperCase();
}
