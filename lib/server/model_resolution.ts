/** Resolving a client's `provider/model` name to a configured provider and the upstream model id. */
import { RequestError } from "../errors.ts";
import type { ConfiguredProvider } from "../../providers/mod.ts";

/** A model name split into its configured provider and the id the provider knows. */
export interface ResolvedModel {
  provider: ConfiguredProvider;
  /** The upstream id: everything after the first `/` (`openrouter/a/b` → `a/b`). */
  model: string;
}

/** Split `provider/model`; a provider that is not configured is a 404 listing those that are. */
export function resolveModel(
  name: string,
  providers: ReadonlyMap<string, ConfiguredProvider>,
): ResolvedModel {
  const slash = name.indexOf("/");
  const providerId = slash > 0 ? name.slice(0, slash).toLowerCase() : "";
  const model = slash > 0 ? name.slice(slash + 1) : "";
  const provider = providers.get(providerId);
  if (provider && model !== "") return { provider, model };
  const configured = [...providers.keys()].join(", ") || "none (add a <PROVIDER>_API_KEY to .env)";
  const problem = slash <= 0 || model === ""
    ? `model "${name}" must be written provider/model, e.g. "openai/gpt-4o-mini"`
    : `provider "${providerId}" is not configured`;
  throw new RequestError(404, `${problem}; configured providers: ${configured}`, {
    param: "model",
    code: "model_not_found",
  });
}
