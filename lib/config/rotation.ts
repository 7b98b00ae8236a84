/**
 * Rotation settings: how each provider's credential pool is spent (mode, concurrency, model filters,
 * quota groups) plus model aliases. Parsed from the merged variables like every other setting.
 */
import { ConfigError } from "../errors.ts";

/** How a pool picks among usable credentials. */
export type RotationMode = "balanced" | "sequential";

/** One provider's pool settings. */
export interface ProviderRotation {
  /** `ROTATION_MODE_<PROVIDER>`. @default "balanced" */
  mode: RotationMode;
  /** `MAX_CONCURRENT_REQUESTS_PER_KEY_<PROVIDER>`: requests in flight per key and model. @default 1 */
  maxConcurrentPerKey: number;
  /** `CONCURRENCY_MULTIPLIER_<PROVIDER>_PRIORITY_<N>`: scales the cap of keys of priority N. */
  concurrencyMultipliers: ReadonlyMap<number, number>;
  /** `IGNORE_MODELS_<PROVIDER>` patterns (`*` wildcards). */
  ignoreModels: readonly string[];
  /** `WHITELIST_MODELS_<PROVIDER>` patterns; a whitelisted model is allowed even when ignored. */
  whitelistModels: readonly string[];
  /** `QUOTA_GROUPS_<PROVIDER>_<GROUP>`: model → group name (lower case). */
  quotaGroups: ReadonlyMap<string, string>;
}

/** Settings of the rotator as a whole. */
export interface RotationSettings {
  /** `ROTATION_TOLERANCE`: randomness of balanced selection; 0 is deterministic. @default 3 */
  tolerance: number;
  /** `AUTH_FAILURE_COOLDOWN` in ms: how long a key rejected with 401/403 stays disabled. @default 3600000 */
  authFailureCooldownMs: number;
  /** `USAGE_RESET_UTC_HOUR`: the hour at which daily usage windows start. @default 0 */
  usageResetUtcHour: number;
  /**
   * `MAX_RETRIES`: attempts a call may make after its first (across keys and alias targets) before it
   * fails with what was tried. @default null: only `GLOBAL_TIMEOUT` bounds them
   */
  maxRetries?: number | null;
  /** Per provider id; providers not listed use {@link defaultProviderRotation}. */
  providers: ReadonlyMap<string, ProviderRotation>;
  /** `MODEL_ALIAS_<NAME>`: lower-case alias → ordered `provider/model` targets. */
  aliases: ReadonlyMap<string, readonly string[]>;
  /**
   * `DEFAULT_PROVIDER_<FORMAT>`: lower-case client format (`gemini`, `openai`, …) → the provider that
   * serves bare model names (no `provider/` prefix) arriving in that format, e.g. Gemini CLI's
   * `gemini-2.5-flash-lite`. @default none: a bare name is refused with a 404
   */
  defaultProviders?: ReadonlyMap<string, string>;
  /**
   * `SESSION_AFFINITY`: a conversation's session hint (`prompt_cache_key`, `user`, `metadata.user_id`)
   * keeps it on the key that served it, while that key is usable and not at its cap. @default true
   */
  sessionAffinity?: boolean;
}

/** The settings of a provider with no rotation variables. */
export function defaultProviderRotation(): ProviderRotation {
  return {
    mode: "balanced",
    maxConcurrentPerKey: 1,
    concurrencyMultipliers: new Map(),
    ignoreModels: [],
    whitelistModels: [],
    quotaGroups: new Map(),
  };
}

const PER_PROVIDER =
  /^(ROTATION_MODE|MAX_CONCURRENT_REQUESTS_PER_KEY|IGNORE_MODELS|WHITELIST_MODELS)_([A-Z][A-Z0-9_]*)$/;
const MULTIPLIER = /^CONCURRENCY_MULTIPLIER_([A-Z][A-Z0-9_]*?)_PRIORITY_(\d+)$/;
const QUOTA_GROUP = /^QUOTA_GROUPS_([A-Z][A-Z0-9_]*?)_([A-Z0-9][A-Z0-9_-]*)$/;
const ALIAS = /^MODEL_ALIAS_([A-Za-z0-9][A-Za-z0-9_.-]*)$/;
const DEFAULT_PROVIDER = /^DEFAULT_PROVIDER_([A-Z][A-Z0-9_]*)$/;

/**
 * Parse rotation settings. Quota group variables name provider and group in one string; the provider
 * is matched against `providerIds` (longest first) so `QUOTA_GROUPS_NVIDIA_NIM_FAST` works.
 */
export function parseRotationSettings(
  variables: Readonly<Record<string, string>>,
  providerIds: readonly string[],
): RotationSettings {
  const providers = new Map<string, ProviderRotation>();
  const forProvider = (id: string) => {
    let rotation = providers.get(id);
    if (!rotation) providers.set(id, rotation = defaultProviderRotation());
    return rotation as {
      -readonly [K in keyof ProviderRotation]: ProviderRotation[K];
    };
  };
  const aliases = new Map<string, readonly string[]>();
  const defaultProviders = new Map<string, string>();
  const knownIds = [...providerIds].sort((a, b) => b.length - a.length);

  for (const [variable, rawValue] of Object.entries(variables)) {
    const value = rawValue.trim();
    if (value === "") continue;
    let match = PER_PROVIDER.exec(variable);
    if (match) {
      const rotation = forProvider(match[2].toLowerCase());
      if (match[1] === "ROTATION_MODE") {
        const mode = value.toLowerCase();
        if (mode !== "balanced" && mode !== "sequential") {
          throw new ConfigError(variable, `must be "balanced" or "sequential" (got "${value}")`);
        }
        rotation.mode = mode;
      } else if (match[1] === "MAX_CONCURRENT_REQUESTS_PER_KEY") {
        rotation.maxConcurrentPerKey = wholeNumber(variable, value, 1);
      } else if (match[1] === "IGNORE_MODELS") rotation.ignoreModels = list(value);
      else rotation.whitelistModels = list(value);
      continue;
    }
    match = MULTIPLIER.exec(variable);
    if (match) {
      const multiplier = Number(value);
      if (!(multiplier > 0)) throw new ConfigError(variable, `must be a positive number (got "${value}")`);
      (forProvider(match[1].toLowerCase()).concurrencyMultipliers as Map<number, number>)
        .set(Number(match[2]), multiplier);
      continue;
    }
    match = QUOTA_GROUP.exec(variable);
    if (match) {
      const rest = `${match[1]}_${match[2]}`.toLowerCase();
      const provider = knownIds.find((id) => rest.startsWith(`${id}_`) && rest.length > id.length + 1);
      if (!provider) continue;
      const group = rest.slice(provider.length + 1);
      const groups = forProvider(provider).quotaGroups as Map<string, string>;
      for (const model of list(value)) groups.set(model, group);
      continue;
    }
    match = DEFAULT_PROVIDER.exec(variable);
    if (match) {
      if (!/^[A-Za-z0-9_-]+$/.test(value)) {
        throw new ConfigError(variable, `must be a provider id such as "gemini" (got "${value}")`);
      }
      defaultProviders.set(match[1].toLowerCase(), value.toLowerCase());
      continue;
    }
    match = ALIAS.exec(variable);
    if (match) {
      const targets = list(value);
      for (const target of targets) {
        if (!/^[^/\s]+\/\S+$/.test(target)) {
          throw new ConfigError(variable, `targets must be provider/model (got "${target}")`);
        }
      }
      aliases.set(match[1].toLowerCase(), targets);
    }
  }

  const tolerance = optionalNumber(variables, "ROTATION_TOLERANCE", 3, 0);
  const authFailureCooldownMs = optionalNumber(variables, "AUTH_FAILURE_COOLDOWN", 3600, 0) * 1000;
  const usageResetUtcHour = optionalNumber(variables, "USAGE_RESET_UTC_HOUR", 0, 0);
  if (!Number.isInteger(usageResetUtcHour) || usageResetUtcHour > 23) {
    throw new ConfigError("USAGE_RESET_UTC_HOUR", `must be a whole hour from 0 to 23`);
  }
  const rawMaxRetries = variables.MAX_RETRIES?.trim() ?? "";
  const maxRetries = rawMaxRetries === "" ? null : wholeNumber("MAX_RETRIES", rawMaxRetries, 0);
  const sessionAffinity = optionalBoolean(variables, "SESSION_AFFINITY", true);
  return {
    tolerance,
    authFailureCooldownMs,
    usageResetUtcHour,
    maxRetries,
    providers,
    aliases,
    defaultProviders,
    sessionAffinity,
  };
}

function optionalBoolean(variables: Record<string, string>, variable: string, fallback: boolean): boolean {
  const raw = variables[variable]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new ConfigError(variable, `must be true or false (got "${raw}")`);
}

function list(value: string): string[] {
  return value.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

function wholeNumber(variable: string, value: string, minimum: number): number {
  if (!/^\d+$/.test(value) || Number(value) < minimum) {
    throw new ConfigError(variable, `must be a whole number of at least ${minimum} (got "${value}")`);
  }
  return Number(value);
}

function optionalNumber(
  variables: Readonly<Record<string, string>>,
  variable: string,
  fallback: number,
  minimum: number,
): number {
  const raw = variables[variable]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < minimum) {
    throw new ConfigError(variable, `must be a number of at least ${minimum} (got "${raw}")`);
  }
  return value;
}

/** Whether `model` matches a pattern with `*` wildcards (case-insensitive). */
export function matchesPattern(model: string, pattern: string): boolean {
  if (!pattern.includes("*")) return model.toLowerCase() === pattern.toLowerCase();
  const source = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${source}$`, "i").test(model);
}

/** Whether the provider's filters allow `model`: a whitelist match wins over an ignore match. */
export function isModelAllowed(rotation: ProviderRotation, model: string): boolean {
  if (rotation.whitelistModels.some((pattern) => matchesPattern(model, pattern))) return true;
  return !rotation.ignoreModels.some((pattern) => matchesPattern(model, pattern));
}
