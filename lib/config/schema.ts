/**
 * The validated, typed configuration of the proxy, and the zod schema of the scalar settings.
 * Every variable is read as text; the schema turns it into a typed value or names the problem.
 */
import { z } from "zod";
import type { ObservabilitySettings } from "./observability.ts";
import type { ModelPrice } from "./pricing.ts";
import type { RotationSettings } from "./rotation.ts";
import type { OAuthSettings } from "./oauth.ts";

/** Log levels, least to most severe. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One API key from `<PROVIDER>_API_KEY` or `<PROVIDER>_API_KEY_<N>`. */
export interface ApiKeySetting {
  /** The secret itself; never logged. */
  value: string;
  /** The variable it came from, e.g. `OPENAI_API_KEY_2`. */
  variable: string;
  /** From `<PROVIDER>_API_KEY_<N>_PRIORITY`; lower is tried first. @default 1 */
  priority: number;
}

/** A provider named by the environment: its keys and an optional base URL override. */
export interface ProviderSetting {
  /** Lower-case provider id, e.g. `nvidia_nim`. */
  id: string;
  apiKeys: ApiKeySetting[];
  /** `<PROVIDER>_API_BASE`, validated as an http(s) URL, without a trailing slash. */
  baseUrl: string | null;
  /** `<PROVIDER>_MODELS`: models to list in addition to (or instead of) the provider's own listing. */
  models: string[];
  /**
   * `<PROVIDER>_RESPONSES_MODELS`: models called through the Responses API (`*` wildcards; `default` is
   * the provider's own list, `none` no model). Absent: the provider's own list.
   */
  responsesModels?: string[];
}

/** Everything the server needs, loaded once at start-up and injected. */
export interface ProxyConfig {
  host: string;
  port: number;
  dataDir: string;
  proxyApiKey: string;
  logLevel: LogLevel;
  maxRequestBodyBytes: number;
  globalTimeoutMs: number;
  connectTimeoutMs: number;
  streamingReadTimeoutMs: number;
  nonStreamingReadTimeoutMs: number;
  modelsCacheTtlMs: number;
  /** `RESPONSES_STORE_TTL`: how long responses are kept for `previous_response_id` (0: not kept). */
  responsesStoreTtlMs: number;
  /** `OVERRIDE_TEMPERATURE_ZERO`: what to do with `temperature: 0` (some providers misbehave on it). */
  temperatureZero: "keep" | "remove" | "set";
  /** `EMBEDDING_BATCHING`: merge concurrent small embedding requests. */
  embeddingBatching: boolean;
  /** `EMBEDDING_BATCH_WINDOW_MS`. */
  embeddingBatchWindowMs: number;
  /**
   * `UPSTREAM_HTTP_CLIENT`: `native` (the proxy's keep-alive HTTP/1.1 client) or `fetch` (Deno's); always
   * `fetch` when `HTTP_PROXY`/`HTTPS_PROXY` is set, since only `fetch` goes through a proxy.
   */
  upstreamHttpClient: "native" | "fetch";
  providers: ProviderSetting[];
  rotation: RotationSettings;
  /** `MODEL_PRICES`, by lower-case `provider/model` pattern. */
  prices: ReadonlyMap<string, ModelPrice>;
  /** Logs and metrics (`PROXY_LOG_FORMAT`, `REQUEST_LOGGING`, `LOG_MAX_MB`, `METRICS_PORT`, …). */
  observability: ObservabilitySettings;
  /** OAuth accounts: refresh, login, endpoint moves, env credentials. */
  oauth: OAuthSettings;
  /** `STATE_STORE`: where instances keep what they share (JSON files of this instance, or Redis). */
  stateStore: StateStoreSetting;
  /** `CORS_ALLOWED_ORIGINS`: origins browsers may call `/v1/*` from; `["*"]` for any. */
  corsAllowedOrigins: string[];
  /** `CONNECTION_GUARD`: accept connections through the guarding listener (caps and timeouts). */
  connectionGuard: boolean;
  /** `MAX_CONNECTIONS`: open client connections past which new ones are closed at once. */
  maxConnections: number;
  /** `TIMEOUT_HEADERS`: time a client has to send a request's headers, in ms. */
  headersTimeoutMs: number;
  /** `TIMEOUT_KEEP_ALIVE`: how long an idle keep-alive connection stays open, in ms. */
  keepAliveTimeoutMs: number;
}

/** `STATE_STORE` and its companions. */
export type StateStoreSetting =
  | { kind: "files" }
  | {
    kind: "redis";
    /** `redis://[user:password@]host:port/db` (or `rediss://`); a secret when it holds a password. */
    url: string;
    /** `STATE_STORE_PREFIX`: every key starts with `<prefix>:`. @default "proxy" */
    prefix: string;
    /** `STATE_STORE_FALLBACK=local`: start on local state when Redis is unreachable, instead of refusing. */
    fallbackLocal: boolean;
    /** `STATE_STORE_LEASE_TTL` in ms: how long a crashed instance's slots stay taken. @default 30000 */
    leaseTtlMs: number;
  };

const positiveNumber = z.string().trim().regex(/^\d+(\.\d+)?$/, "must be a positive number").transform(Number)
  .refine((value) => value > 0, "must be greater than 0");

const seconds = (fallback: string) => positiveNumber.prefault(fallback).transform((value) => value * 1000);

/** Schema of the scalar settings, keyed by variable name. */
export const settingsSchema = z.object({
  PROXY_HOST: z.string().trim().min(1, "must not be empty").prefault("127.0.0.1"),
  PROXY_PORT: z.string().trim().regex(/^\d+$/, "must be a whole number (a TCP port)").transform(Number)
    .refine((port) => port >= 0 && port <= 65535, "must be between 0 and 65535").prefault("8000"),
  PROXY_LOG_LEVEL: z.string().trim().toLowerCase().pipe(z.enum(LOG_LEVELS, {
    error: `must be one of ${LOG_LEVELS.join(", ")}`,
  })).prefault("info"),
  MAX_REQUEST_BODY_MB: positiveNumber.prefault("32"),
  GLOBAL_TIMEOUT: seconds("30"),
  TIMEOUT_CONNECT: seconds("30"),
  TIMEOUT_READ_STREAMING: seconds("180"),
  TIMEOUT_READ_NON_STREAMING: seconds("600"),
  MODELS_CACHE_TTL: seconds("600"),
  RESPONSES_STORE_TTL: z.string().trim().regex(/^\d+$/, "must be a whole number of seconds (0 keeps none)")
    .transform((value) => Number(value) * 1000).prefault("3600"),
  OVERRIDE_TEMPERATURE_ZERO: z.string().trim().toLowerCase().pipe(z.enum(["keep", "remove", "set"], {
    error: "must be remove, set or keep",
  })).prefault("keep"),
  EMBEDDING_BATCHING: z.string().trim().toLowerCase().pipe(z.enum(["true", "false", "1", "0", "yes", "no"], {
    error: "must be true or false",
  })).transform((value) => value === "true" || value === "1" || value === "yes").prefault("false"),
  UPSTREAM_HTTP_CLIENT: z.string().trim().toLowerCase().pipe(z.enum(["native", "fetch"], {
    error: "must be native or fetch",
  })).prefault("native"),
  EMBEDDING_BATCH_WINDOW_MS: z.string().trim().regex(/^\d+$/, "must be a whole number of milliseconds")
    .transform(Number).prefault("20"),
  STATE_STORE: z.string().trim().refine(
    (value) => value === "files" || /^rediss?:\/\/[^\s]+$/i.test(value),
    "must be files or a redis:// URL (redis://host:port/db)",
  ).prefault("files"),
  STATE_STORE_PREFIX: z.string().trim().regex(
    /^[A-Za-z0-9_.:-]{1,64}$/,
    "must be 1-64 letters, digits, _ . : -",
  )
    .prefault("proxy"),
  STATE_STORE_FALLBACK: z.string().trim().toLowerCase().pipe(z.enum(["none", "local"], {
    error: "must be none or local",
  })).prefault("none"),
  STATE_STORE_LEASE_TTL: seconds("30"),
  CORS_ALLOWED_ORIGINS: z.string().trim().transform((value) =>
    value.split(",").map((origin) => origin.trim().replace(/\/+$/, "")).filter((origin) => origin !== "")
  ).refine((origins) => origins.length > 0, "must be * or a comma-separated list of origins").prefault("*"),
  CONNECTION_GUARD: z.string().trim().toLowerCase().pipe(z.enum(["true", "false", "1", "0", "yes", "no"], {
    error: "must be true or false",
  })).transform((value) => value === "true" || value === "1" || value === "yes").prefault("true"),
  MAX_CONNECTIONS: z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number)
    .refine((value) => value >= 1, "must be at least 1").prefault("1000"),
  TIMEOUT_HEADERS: seconds("30"),
  TIMEOUT_KEEP_ALIVE: seconds("60"),
});
