/**
 * The options of a `RotatingClient`. This file imports nothing, so that the npm package's bundled
 * declarations stay whole (`variables.ts` turns the options into the server's variables).
 */

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
 * One OAuth account of a vendor CLI's subscription, as `proxy credentials export` prints it (the variables
 * `<PROVIDER>_<N>_ACCESS_TOKEN`, …). Either token may be missing: with only a refresh token the first call
 * refreshes; with only an access token the account serves until that token expires.
 *
 * @example
 * ```ts
 * const account: OAuthAccount = {
 *   accessToken: "ya29.…",
 *   refreshToken: "1//0g…",
 *   expiryDate: 1_767_225_600_000,
 *   projectId: "my-code-assist-project",
 * };
 * ```
 */
export interface OAuthAccount {
  /** The current access token. */
  accessToken?: string;
  /** The refresh token; the client refreshes with it when the access token expires within 5 minutes. */
  refreshToken?: string;
  /** When the access token expires, epoch milliseconds. @default read from the token when it is a JWT */
  expiryDate?: number;
  /** OpenAI Codex: the id token (the e-mail and ChatGPT workspace are read from it). */
  idToken?: string;
  /** OpenAI Codex: the ChatGPT workspace (`chatgpt_account_id`). @default from the id token */
  accountId?: string;
  /** The account's e-mail, shown in usage and logs. */
  email?: string;
  /** Gemini CLI and Antigravity: the Code Assist project. @default found with `loadCodeAssist` */
  projectId?: string;
  /** Code Assist tier or ChatGPT plan; paid accounts serve before free ones. */
  tier?: string;
  /** Qwen Code: the API host of the token (`portal.qwen.ai`). */
  resourceUrl?: string;
}

/**
 * How a {@link RotatingClient} is configured.
 *
 * @example
 * ```ts
 * const options: RotatingClientOptions = {
 *   apiKeys: { openai: ["sk-1", "sk-2"], mylocal: ["anything"] },
 *   oauth: { gemini_cli: [{ refreshToken: "1//0g…", projectId: "my-project" }] },
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
   * @default none (OAuth accounts only)
   */
  apiKeys?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * OAuth accounts: per provider id (`openai_codex`, `gemini_cli`, `antigravity`, `qwen_code`) a list of
   * {@link OAuthAccount}s, whose refreshed tokens stay in memory; or a folder of credential files as
   * `proxy credentials login` writes them (`<provider>_oauth_<N>.json`, the server's `oauth_creds/`), to which
   * refreshed tokens are written back. OpenAI Codex refresh tokens are single-use: give Codex accounts as a
   * folder, so that the rotated token outlives the process. Accounts join the provider's pool after its API
   * keys. `<PROVIDER>_OAUTH_BASE` (in `settings`) moves the vendor's token endpoint. @default none
   */
  oauth?: string | Readonly<Record<string, readonly OAuthAccount[]>>;
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
