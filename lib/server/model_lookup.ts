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
  /** The door's format, whose `DEFAULT_PROVIDER_<FORMAT>` routes bare names. */
  format: string;
}

/** The catalog entry for `name`, or null when no configured provider lists it. */
export async function lookupModel(name: string, options: ModelLookupOptions): Promise<ModelEntry | null> {
  const { catalog, providers, settings, format } = options;
  const provider = [...providers.values()].find((candidate) => name.startsWith(`${candidate.id}/`));
  const exact = provider ? await catalog.forProvider(provider) : catalog.aliases();
  const found = exact.find((entry) => entry.id === name);
  if (found !== undefined || provider !== undefined) return found ?? null;
  let targets;
  try {
    targets = resolveTargets(name, providers, settings, { format });
  } catch {
    // A name no call could use either: the caller answers 404 in its door's shape.
    return null;
  }
  for (const target of targets) {
    const id = `${target.provider.id}/${target.model}`;
    const listed = (await catalog.forProvider(target.provider)).find((entry) => entry.id === id);
    if (listed !== undefined) return { ...listed, id: name };
  }
  return null;
}
