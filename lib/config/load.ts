/**
 * Loading the configuration: process env over `.env` in the data directory, validated by zod into
 * one {@link ProxyConfig}. This folder is the only place that reads environment variables.
 */
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import { readEnvFile, updateEnvFile } from "./env_file.ts";
import { parseObservabilitySettings } from "./observability.ts";
import { parseModelPrices } from "./pricing.ts";
import { parseRotationSettings } from "./rotation.ts";
import { parseOAuthSettings, withOAuthRotationDefaults } from "./oauth.ts";
import { OAUTH_CLIENTS } from "../credentials/oauth_clients.ts";
import { type ApiKeySetting, type ProviderSetting, type ProxyConfig, settingsSchema } from "./schema.ts";

/** Command-line values that take precedence over variables. */
export interface ConfigOverrides {
  host?: string;
  port?: string;
  dataDir?: string;
}

/** Where loading reads from; injected so tests need no real environment. */
export interface LoadConfigOptions {
  /** The process environment. @default Deno.env.toObject() */
  env?: Record<string, string>;
  /** Working directory, the default data directory. @default Deno.cwd() */
  cwd?: string;
  /** Generate and save `PROXY_API_KEY` when it is missing. @default true */
  ensureApiKey?: boolean;
}

/** The loaded configuration plus what start-up should tell the user once. */
export interface LoadedConfig {
  config: ProxyConfig;
  /** Set when a new proxy key was generated and saved; the path of the `.env` it went into. */
  generatedKeyPath: string | null;
}

const KEY_VARIABLE = /^([A-Z][A-Z0-9_]*?)_API_KEY(?:_(\d+))?$/;
const BASE_VARIABLE = /^([A-Z][A-Z0-9_]*?)_API_BASE$/;
const MODELS_VARIABLE = /^([A-Z][A-Z0-9_]*?)_MODELS$/;
const RESPONSES_MODELS_VARIABLE = /^([A-Z][A-Z0-9_]*?)_RESPONSES_MODELS$/;
/** Prefixes of our own `*_API_KEY` variables that are not providers. */
const RESERVED_PROVIDER_NAMES = new Set(["PROXY"]);
/** Deno's `fetch` sends through the proxy these name (read from the process environment only). */
const OUTBOUND_PROXY_VARIABLES = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "http_proxy",
  "https_proxy",
  "ALL_PROXY",
  "all_proxy",
];

/** Load, validate and (when needed) complete the configuration. Throws {@link ConfigError}. */
export async function loadConfig(
  overrides: ConfigOverrides = {},
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const { env = Deno.env.toObject(), cwd = Deno.cwd(), ensureApiKey = true } = options;
  const dataDir = resolve(cwd, overrides.dataDir ?? env.PROXY_DATA_DIR ?? ".");
  await ensureDirectory(dataDir);
  const envPath = join(dataDir, ".env");
  const fileVariables = await readEnvFile(envPath).catch((error) => {
    throw new ConfigError(".env", `cannot read ${envPath}: ${(error as Error).message}`);
  });
  // An empty process variable counts as unset, so `FOO=` in a shell does not hide FOO from `.env`.
  const variables: Record<string, string> = { ...fileVariables };
  for (const [name, value] of Object.entries(env)) if (value !== "") variables[name] = value;
  if (overrides.host !== undefined) variables.PROXY_HOST = overrides.host;
  if (overrides.port !== undefined) variables.PROXY_PORT = overrides.port;

  // Every setting is checked before a key is generated and written.
  parseSettings(variables);
  let generatedKeyPath: string | null = null;
  if ((variables.PROXY_API_KEY?.trim() ?? "") === "" && ensureApiKey) {
    variables.PROXY_API_KEY = generateProxyApiKey();
    await updateEnvFile(envPath, { PROXY_API_KEY: variables.PROXY_API_KEY });
    generatedKeyPath = envPath;
  }
  const outboundProxy = OUTBOUND_PROXY_VARIABLES.some((name) => (env[name] ?? "") !== "");
  const config = configFromVariables(variables, { dataDir, outboundProxy });
  return { config, generatedKeyPath };
}

/** Options of {@link configFromVariables}. */
export interface ConfigFromVariablesOptions {
  /** The data directory, already resolved (variables never name it here: no working directory is read). */
  dataDir: string;
  /**
   * The process environment names an outbound proxy (`HTTPS_PROXY`, …), which only Deno's `fetch`
   * honours: upstreams are then called with `fetch`. @default false
   */
  outboundProxy?: boolean;
}

/**
 * The configuration from variables alone: no process environment, no `.env`, no file system. `loadConfig`
 * uses it after merging its sources; the library (`mod.ts`) builds its variables from its options.
 * Throws {@link ConfigError} naming the first variable that cannot be used.
 *
 * @example
 * ```ts
 * const config = configFromVariables({ PROXY_API_KEY: "k", OPENAI_API_KEY: "sk-…" }, { dataDir: "/srv" });
 * ```
 */
export function configFromVariables(
  variables: Readonly<Record<string, string>>,
  options: ConfigFromVariablesOptions,
): ProxyConfig {
  const settings = parseSettings(variables);
  const proxyApiKey = variables.PROXY_API_KEY?.trim() ?? "";
  if (proxyApiKey === "") throw new ConfigError("PROXY_API_KEY", "is not set");
  const providers = discoverProviders(variables);
  // OAuth providers may have no variable of their own (their accounts live in oauth_creds/).
  const rotation = withOAuthRotationDefaults(
    parseRotationSettings(variables, [
      ...new Set([...providers.map((provider) => provider.id), ...OAUTH_CLIENTS.keys()]),
    ]),
    variables,
  );
  return {
    host: settings.PROXY_HOST,
    port: settings.PROXY_PORT,
    dataDir: options.dataDir,
    proxyApiKey,
    logLevel: settings.PROXY_LOG_LEVEL,
    maxRequestBodyBytes: Math.floor(settings.MAX_REQUEST_BODY_MB * 1024 * 1024),
    globalTimeoutMs: settings.GLOBAL_TIMEOUT,
    connectTimeoutMs: settings.TIMEOUT_CONNECT,
    streamingReadTimeoutMs: settings.TIMEOUT_READ_STREAMING,
    nonStreamingReadTimeoutMs: settings.TIMEOUT_READ_NON_STREAMING,
    modelsCacheTtlMs: settings.MODELS_CACHE_TTL,
    responsesStoreTtlMs: settings.RESPONSES_STORE_TTL,
    temperatureZero: settings.OVERRIDE_TEMPERATURE_ZERO,
    embeddingBatching: settings.EMBEDDING_BATCHING,
    embeddingBatchWindowMs: settings.EMBEDDING_BATCH_WINDOW_MS,
    upstreamHttpClient: options.outboundProxy ? "fetch" : settings.UPSTREAM_HTTP_CLIENT,
    providers,
    rotation,
    prices: parseModelPrices(variables.MODEL_PRICES),
    observability: parseObservabilitySettings(variables),
    oauth: parseOAuthSettings(variables),
    shutdownGraceMs: settings.SHUTDOWN_GRACE_SECONDS,
    stateStore: settings.STATE_STORE === "files" ? { kind: "files" } : {
      kind: "redis",
      url: settings.STATE_STORE,
      prefix: settings.STATE_STORE_PREFIX,
      fallbackLocal: settings.STATE_STORE_FALLBACK === "local",
      leaseTtlMs: settings.STATE_STORE_LEASE_TTL,
    },
    corsAllowedOrigins: settings.CORS_ALLOWED_ORIGINS,
    connectionGuard: settings.CONNECTION_GUARD,
    maxConnections: settings.MAX_CONNECTIONS,
    headersTimeoutMs: settings.TIMEOUT_HEADERS,
    keepAliveTimeoutMs: settings.TIMEOUT_KEEP_ALIVE,
  };
}

function parseSettings(variables: Record<string, string>) {
  const input: Record<string, string> = {};
  for (const name of Object.keys(settingsSchema.shape)) {
    const value = variables[name];
    if (value !== undefined && value.trim() !== "") input[name] = value;
  }
  const result = settingsSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue.path[0] ?? "configuration");
    throw new ConfigError(variable, `${issue.message} (got "${input[variable] ?? ""}")`);
  }
  return result.data;
}

/** A strong random key for clients of the proxy: 32 random bytes, base64url. */
export function generateProxyApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
  return `sk-proxy-${base64}`;
}

/**
 * Providers named by `<PROVIDER>_API_KEY[_<N>]` and `<PROVIDER>_API_BASE`, sorted by id. Whether a
 * name is a known provider is decided by the provider registry, not here.
 */
export function discoverProviders(variables: Record<string, string>): ProviderSetting[] {
  const byName = new Map<string, ProviderSetting>();
  const providerFor = (name: string): ProviderSetting => {
    let provider = byName.get(name);
    if (!provider) {
      provider = { id: name.toLowerCase(), apiKeys: [], baseUrl: null, models: [] };
      byName.set(name, provider);
    }
    return provider;
  };
  const keyEntries: Array<{ name: string; index: number; setting: ApiKeySetting }> = [];
  const modelLists = new Map<string, string[]>();
  const responsesLists = new Map<string, string[]>();
  for (const [variable, rawValue] of Object.entries(variables)) {
    const value = rawValue.trim();
    if (value === "") continue;
    const keyMatch = KEY_VARIABLE.exec(variable);
    if (keyMatch && !RESERVED_PROVIDER_NAMES.has(keyMatch[1])) {
      const priority = parsePriority(variables, `${variable}_PRIORITY`);
      keyEntries.push({
        name: keyMatch[1],
        index: keyMatch[2] === undefined ? 0 : Number(keyMatch[2]),
        setting: { value, variable, priority },
      });
      continue;
    }
    const baseMatch = BASE_VARIABLE.exec(variable);
    if (baseMatch) providerFor(baseMatch[1]).baseUrl = parseBaseUrl(variable, value);
    const responsesMatch = RESPONSES_MODELS_VARIABLE.exec(variable);
    if (responsesMatch) {
      responsesLists.set(responsesMatch[1], listOf(value));
      continue;
    }
    const modelsMatch = MODELS_VARIABLE.exec(variable);
    if (modelsMatch) {
      modelLists.set(
        modelsMatch[1],
        value.split(",").map((model) => model.trim()).filter((model) => model !== ""),
      );
    }
  }
  keyEntries.sort((a, b) => a.index - b.index);
  for (const { name, setting } of keyEntries) {
    const provider = providerFor(name);
    if (!provider.apiKeys.some((existing) => existing.value === setting.value)) {
      provider.apiKeys.push(setting);
    }
  }
  // A model list names no provider by itself; it only describes one that has keys or a base URL.
  for (const [name, models] of modelLists) {
    // OAuth providers may have nothing in the environment but their model list (accounts live in files).
    const provider = byName.get(name) ??
      (OAUTH_CLIENTS.has(name.toLowerCase()) ? providerFor(name) : undefined);
    if (provider) provider.models = models;
  }
  for (const [name, models] of responsesLists) {
    const provider = byName.get(name);
    if (provider) provider.responsesModels = models;
  }
  return [...byName.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function listOf(value: string): string[] {
  return value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
}

function parsePriority(variables: Record<string, string>, variable: string): number {
  const raw = variables[variable]?.trim();
  if (raw === undefined || raw === "") return 1;
  if (!/^\d+$/.test(raw)) throw new ConfigError(variable, `must be a whole number (got "${raw}")`);
  return Number(raw);
}

function parseBaseUrl(variable: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `is not a valid URL (got "${value}")`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(variable, `must be an http:// or https:// URL (got "${value}")`);
  }
  return value.replace(/\/+$/, "");
}

async function ensureDirectory(path: string): Promise<void> {
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (error) {
    throw new ConfigError(
      "PROXY_DATA_DIR",
      `cannot create data directory ${path}: ${(error as Error).message}`,
    );
  }
}
