/**
 * Resolving a client's model name to the targets to try: `provider/model`, or an alias
 * (`MODEL_ALIAS_<NAME>`) with several targets in order. Model filters apply to both.
 */
import { isModelAllowed, type RotationSettings } from "../config/rotation.ts";
import { defaultProviderRotation } from "../config/rotation.ts";
import { RequestError } from "../errors.ts";
import type { Target } from "../rotator/rotator.ts";
import type { ConfiguredProvider } from "../../providers/mod.ts";
import { checkModelId } from "./model_id.ts";

/** Split `provider/model` into a provider id and the upstream id (`openrouter/a/b` → `a/b`). */
export function splitModelName(name: string): { providerId: string; model: string } | null {
  const slash = name.indexOf("/");
  if (slash <= 0 || slash === name.length - 1) return null;
  return { providerId: name.slice(0, slash).toLowerCase(), model: name.slice(slash + 1) };
}

/** Whether the provider's IGNORE/WHITELIST filters let `model` through. */
export function isAllowed(settings: RotationSettings, providerId: string, model: string): boolean {
  return isModelAllowed(settings.providers.get(providerId) ?? defaultProviderRotation(), model);
}

/** Options of {@link resolveTargets}. */
export interface ResolveOptions {
  /**
   * The client's format: a bare model name (no alias, no `provider/`) goes to the provider
   * `DEFAULT_PROVIDER_<FORMAT>` names. @default bare names are refused
   */
  format?: string;
}

/**
 * The targets for a model name; 400 `invalid_model` for an id that could not be a model (see
 * `checkModelId`), 404 `model_not_found` when nothing configured can serve it. Both are refused here,
 * before the rotator keeps any state for the model.
 */
export function resolveTargets(
  name: string,
  providers: ReadonlyMap<string, ConfiguredProvider>,
  settings: RotationSettings,
  options: ResolveOptions = {},
): Target[] {
  checkModelId(name);
  const alias = settings.aliases.get(name.toLowerCase());
  const fallback = options.format === undefined ? undefined : settings.defaultProviders?.get(options.format);
  const names = alias ?? [fallback !== undefined && !name.includes("/") ? `${fallback}/${name}` : name];
  const targets: Target[] = [];
  let problem = "";
  for (const candidate of names) {
    const split = splitModelName(candidate);
    const provider = split ? providers.get(split.providerId) : undefined;
    if (!split) problem = `model "${candidate}" must be written provider/model, e.g. "openai/gpt-4o-mini"`;
    else if (!provider) problem = `provider "${split.providerId}" is not configured`;
    else if (!isAllowed(settings, split.providerId, split.model)) {
      problem = `model "${candidate}" is not available (filtered by IGNORE_MODELS/WHITELIST_MODELS)`;
    } else targets.push({ provider, model: split.model });
  }
  if (targets.length > 0) return targets;
  const configured = [...providers.keys()].join(", ") || "none (add a <PROVIDER>_API_KEY to .env)";
  const prefix = alias ? `no target of alias "${name}" is usable: ` : "";
  throw new RequestError(404, `${prefix}${problem}; configured providers: ${configured}`, {
    param: "model",
    code: "model_not_found",
  });
}
