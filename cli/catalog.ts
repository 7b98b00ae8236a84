/** `proxy catalog update`: fetch the models.dev catalog (prices, context windows) into the data directory. */
import { resolveDataDir } from "../lib/config/variables.ts";
import { updateCatalog } from "../lib/catalog/update.ts";
import { CommandFailure } from "./failure.ts";
import { say } from "./output.ts";

/** Download the catalog; the next start prefers it to the bundled snapshot. Never called at start. */
export async function catalogUpdateCommand(options: { dataDir?: string; url?: string }): Promise<void> {
  const dataDir = resolveDataDir(options.dataDir);
  try {
    const update = await updateCatalog(dataDir, options.url ? { url: options.url } : {});
    say(
      `Saved ${update.models} models of ${update.providers} providers to ${update.path} (${update.version}).`,
    );
    say("A running proxy uses it from its next start.");
  } catch (error) {
    throw new CommandFailure(`catalog update failed, the old catalog stays: ${(error as Error).message}`);
  }
}
