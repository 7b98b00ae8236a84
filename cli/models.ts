/** `models [--provider p] [--json]`: the models each provider lists, after its filters. */
import { isModelAllowed } from "../lib/config/rotation.ts";
import { complain, say } from "./output.ts";
import { CommandFailure } from "./failure.ts";
import { type Fetch, listProviderModels } from "./provider_listing.ts";
import { openWorkspace, requireProvider, type Workspace } from "./workspace.ts";

/** The models of one provider, or why they could not be listed. */
export interface ProviderModels {
  provider: string;
  /** Ids as clients use them: `provider/model`. */
  models: string[];
  error: string | null;
}

/** List the models of every configured provider (or one), keeping `<PROVIDER>_MODELS` and filters. */
export async function listModels(
  workspace: Workspace,
  options: { provider?: string; fetch?: Fetch } = {},
): Promise<ProviderModels[]> {
  const providers = options.provider === undefined
    ? workspace.providers
    : [requireProvider(workspace, options.provider)];
  return await Promise.all(providers.map(async (provider) => {
    const rotation = workspace.rotation.providers.get(provider.id);
    const ids = new Set<string>(provider.configuredModels);
    let error: string | null = null;
    try {
      const listed = await listProviderModels(provider, provider.credentials[0], {
        authorize: workspace.authorize,
        ...options,
      });
      for (const model of listed) ids.add(model.id);
    } catch (caught) {
      error = (caught as Error).name === "TimeoutError" ? "no answer in time" : (caught as Error).message;
    }
    const models = [...ids].filter((id) => rotation === undefined || isModelAllowed(rotation, id)).sort()
      .map((id) => `${provider.id}/${id}`);
    return { provider: provider.id, models, error };
  }));
}

/** The command: exit 1 when a provider's listing failed (the others are still printed). */
export async function modelsCommand(
  options: { provider?: string; json?: boolean; dataDir?: string },
): Promise<void> {
  const workspace = await openWorkspace(options.dataDir);
  if (workspace.providers.length === 0) throw new CommandFailure("no providers configured");
  const results = await listModels(workspace, { provider: options.provider });
  const aliases = options.provider === undefined ? [...workspace.rotation.aliases.keys()] : [];
  if (options.json) {
    say(JSON.stringify(
      {
        object: "list",
        data: [
          ...results.flatMap((result) =>
            result.models.map((id) => ({ id, object: "model", owned_by: result.provider }))
          ),
          ...aliases.map((id) => ({ id, object: "model", owned_by: "alias" })),
        ],
        errors: results.filter((result) => result.error !== null)
          .map((result) => ({ provider: result.provider, message: result.error })),
      },
      null,
      2,
    ));
  } else {
    for (const result of results) for (const id of result.models) say(id);
    for (const alias of aliases) say(`${alias} (alias)`);
  }
  const failed = results.filter((result) => result.error !== null);
  for (const result of failed) complain(`${result.provider}: cannot list models: ${result.error}`);
  if (failed.length > 0) throw new CommandFailure(`${failed.length} provider listing(s) failed`);
}
