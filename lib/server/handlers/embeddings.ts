/**
 * `POST /v1/embeddings` for every provider with embeddings (OpenAI-compatible and Gemini), through the
 * shared embeddings call (`embedding_call.ts`: chunks no larger than each format takes, failover). With
 * `EMBEDDING_BATCHING`, concurrent small requests for one model are merged into one call and split back.
 */
import type { Handler } from "hono";
import {
  embeddingInputs,
  embeddingRequestSchema,
  resultToOpenAIEmbeddings,
} from "../../formats/openai/embeddings.ts";
import { systemClock } from "../../rotator/clock.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { liveProviders } from "../live_providers.ts";
import { EmbeddingBatcher } from "../embedding_batcher.ts";
import type { EmbedCall } from "../embedding_call.ts";
import { resolveTargets } from "../model_resolution.ts";
import { readJsonBody } from "../request_body.ts";
import { validateBody } from "../validation.ts";

/** Build the embeddings handler over the shared embeddings call. */
export function embeddings(deps: AppDeps, options: { embed: EmbedCall }): Handler<AppEnv> {
  const { config } = deps;
  const { embed } = options;
  // Read per call: OAuth logins and removals change the providers while the proxy runs.
  const providers = liveProviders(deps);
  const batcher = config.embeddingBatching
    ? new EmbeddingBatcher({ windowMs: config.embeddingBatchWindowMs, clock: systemClock })
    : null;

  return async function embeddings(c) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    const request = validateBody(embeddingRequestSchema, body);
    c.get("access").model = request.model;
    const targets = resolveTargets(request.model, providers, config.rotation, { format: "openai" });
    const inputs = embeddingInputs(request);
    const settings = { dimensions: request.dimensions ?? undefined, user: request.user ?? undefined };
    const result = batcher
      // A merged call serves several clients: one client leaving must not cancel it.
      ? await batcher.embed(
        `${request.model}|${settings.dimensions ?? ""}`,
        inputs,
        (merged) => embed(targets, merged, settings),
      )
      : await embed(targets, inputs, {
        ...settings,
        signal: c.req.raw.signal,
        requestId: c.get("requestId"),
      });
    return c.json(
      resultToOpenAIEmbeddings(result, {
        model: request.model,
        encodingFormat: request.encoding_format ?? undefined,
      }),
    );
  };
}
