/**
 * Which models.dev catalog providers describe the models of each of our providers. Our ids and the
 * catalog's differ (`gemini` is `google`, `together` is `togetherai`), and OAuth providers sell the same
 * models as the vendor (`gemini_cli` and `antigravity` are Google's models, `claude_code` Anthropic's).
 * The first listed catalog provider that knows the model wins.
 */

/** How one of our providers maps onto the catalog. */
export interface CatalogAlias {
  /** Catalog provider ids to look in, in order. */
  catalogProviders: readonly string[];
  /**
   * Model id prefixes the provider adds that the catalog does not have (`models/` on Gemini ids, `meta/`
   * style namespaces on NVIDIA NIM). Only these exact prefixes are removed: no fuzzy matching.
   */
  stripPrefixes?: readonly string[];
}

const GOOGLE: CatalogAlias = { catalogProviders: ["google"], stripPrefixes: ["models/"] };
const ANTHROPIC: CatalogAlias = { catalogProviders: ["anthropic"] };

/** Our provider id → its catalog providers. A provider not listed is looked up under its own id. */
export const CATALOG_ALIASES: Readonly<Record<string, CatalogAlias>> = {
  gemini: GOOGLE,
  gemini_cli: GOOGLE,
  antigravity: { catalogProviders: ["google", "anthropic", "openai"], stripPrefixes: ["models/"] },
  vertex: { catalogProviders: ["google-vertex", "google"], stripPrefixes: ["models/"] },
  anthropic: ANTHROPIC,
  claude_code: ANTHROPIC,
  openai: { catalogProviders: ["openai"] },
  codex: { catalogProviders: ["openai"] },
  together: { catalogProviders: ["togetherai"] },
  fireworks: { catalogProviders: ["fireworks-ai"] },
  nvidia_nim: {
    catalogProviders: ["nvidia"],
    stripPrefixes: ["meta/", "nvidia/", "mistralai/", "qwen/", "deepseek-ai/", "google/", "microsoft/"],
  },
  qwen_code: { catalogProviders: ["alibaba"] },
  iflow: { catalogProviders: ["iflowcn"] },
  github_copilot: { catalogProviders: ["github-copilot"] },
  moonshot: { catalogProviders: ["moonshotai"] },
  zhipu: { catalogProviders: ["zhipuai"] },
};

/** The alias of `providerId` (its own id when none is listed). */
export function catalogAliasOf(providerId: string): CatalogAlias {
  return CATALOG_ALIASES[providerId] ?? { catalogProviders: [providerId.replaceAll("_", "-")] };
}
