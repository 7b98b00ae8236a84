/**
 * One model by the name a client used, for `GET /v1/models/{id}` and `GET /v1beta/models/{model}`: the
 * same names a call accepts. A listed `provider/model` and an alias are found as they are; a bare name
 * (Gemini CLI first asks for `gemini-…-flash-lite`, Codex CLI for `gpt-…`) is routed the way a call to
 * that door routes it (`DEFAULT_PROVIDER_<FORMAT>`) and answered under the name the client used.
 */
import type { ConfiguredProvider } from "../../providers/mod.ts";
import type { RotationSettings } from "../config/rotation.ts";
import type { ModelCatalog, ModelEntry } from "./model_catalog.ts";
import { resolveTargets } from "./model_resolution.ts";

/** What {@link lookupModel} needs. */
export interface ModelLookupOptions {
  catalog: ModelCatalog;
  providers: ReadonlyMap<string, ConfiguredProvider>;
  settings: RotationSettings;
  /**
   * The formats of the doors that share the lookup, whose `DEFAULT_PROVIDER_<FORMAT>` route bare names, in
   * order (OpenAI's Chat Completions and Responses clients both read `/v1/models/{id}`).
   */
  formats: readonly string[];
}

/** The catalog entry for `name`, or null when no configured provider lists it. */
export async function lookupModel(name: string, options: ModelLookupOptions): Promise<ModelEntry | null> {
  const { catalog, providers, settings, formats } = options;
  const provider = [...providers.values()].find((candidate) => name.startsWith(`${candidate.id}/`));
  const exact = provider ? await catalog.forProvider(provider) : catalog.aliases();
  const found = exact.find((entry) => entry.id === name);
  if (found !== undefined || provider !== undefined) return found ?? null;
  for (const format of formats) {
    let targets;
    try {
      targets = resolveTargets(name, providers, settings, { format });
    } catch {
      // A name no call to this door could use: the next door's, or the caller's 404.
      continue;
    }
    for (const target of targets) {
      const id = `${target.provider.id}/${target.model}`;
      const listed = (await catalog.forProvider(target.provider)).find((entry) => entry.id === id);
      if (listed !== undefined) return { ...listed, id: name };
    }
  }
  return null;
}
