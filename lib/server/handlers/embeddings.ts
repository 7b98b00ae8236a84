/**
 * `POST /v1/embeddings` through the rotator for every provider with embeddings (OpenAI-compatible
 * and Gemini). With `EMBEDDING_BATCHING`, concurrent small requests for one model are merged into one
 * upstream call and split back. A request larger than its upstream takes in one call is sent in chunks.
 */
import type { Handler } from "hono";
import { RequestError, UpstreamError } from "../../errors.ts";
import type { WireFormat } from "../../formats/canonical.ts";
import { embeddingCodec } from "../../formats/embeddings.ts";
import { GEMINI_EMBED_BATCH_LIMIT } from "../../formats/gemini/embeddings.ts";
import {
  embeddingInputs,
  embeddingRequestSchema,
  type EmbeddingResult,
  resultToOpenAIEmbeddings,
} from "../../formats/openai/embeddings.ts";
import { systemClock } from "../../rotator/clock.ts";
import type { Target } from "../../rotator/rotator.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { EmbeddingBatcher, embedInChunks } from "../embedding_batcher.ts";
import { resolveTargets } from "../model_resolution.ts";
import { readJsonBody } from "../request_body.ts";
import { validateBody } from "../validation.ts";

/**
 * Most inputs one upstream call takes, by wire format, where the format sets a limit: Gemini's
 * batchEmbedContents answers 400 past 100 requests. OpenAI's own 2048 is what clients send at most.
 */
const INPUTS_PER_CALL: Partial<Record<WireFormat, number>> = { gemini: GEMINI_EMBED_BATCH_LIMIT };

/** The largest chunk every target can take in one call (Infinity when none sets a limit). */
function inputsPerCall(targets: readonly Target[]): number {
  return Math.min(...targets.map((target) => INPUTS_PER_CALL[target.provider.adapter.format] ?? Infinity));
}

/** Build the embeddings handler. */
export function embeddings(deps: AppDeps): Handler<AppEnv> {
  const { config, upstream } = deps;
  const providers = new Map(deps.providers.map((provider) => [provider.id, provider]));
  const batcher = config.embeddingBatching
    ? new EmbeddingBatcher({ windowMs: config.embeddingBatchWindowMs, clock: systemClock })
    : null;

  /** One upstream embeddings call for `inputs`, with failover across keys and alias targets. */
  async function embed(
    targets: readonly Target[],
    inputs: Array<string | number[]>,
    options: { dimensions?: number; user?: string; signal?: AbortSignal; requestId?: string },
  ): Promise<EmbeddingResult> {
    // Checked before any call: a target without embeddings is the client's mistake, not an upstream failure.
    for (const target of targets) {
      if (!embeddingCodec(target.provider.adapter.format) || !target.provider.adapter.embeddingsRequest) {
        throw new RequestError(400, `provider ${target.provider.id} does not offer embeddings`, {
          param: "model",
          code: "model_not_supported",
        });
      }
    }
    const result = await upstream.json({
      targets,
      signal: options.signal,
      facts: { requestId: options.requestId, frontDoor: "embeddings" },
      build: ({ credential, auth, target }) => {
        const { adapter } = target.provider;
        return adapter.embeddingsRequest!({
          baseUrl: target.provider.baseUrl,
          credential,
          auth,
          model: target.model,
          body: embeddingCodec(adapter.format)!.request(inputs, {
            model: target.model,
            dimensions: options.dimensions,
            user: options.user,
          }),
        });
      },
    });
    const { provider, model } = result.target;
    const { text, json } = result.value;
    let embedded: EmbeddingResult;
    try {
      embedded = embeddingCodec(provider.adapter.format)!.toResult(json, { model, inputs });
    } catch (error) {
      const failure = new UpstreamError(
        `${provider.id} sent embeddings that could not be read: ${(error as Error).message}`,
        { kind: "http", provider: provider.id, status: 502, body: text.slice(0, 500), retryable: false },
      );
      result.finish({ ok: false, error: failure });
      throw failure;
    }
    result.finish({
      ok: true,
      tokens: {
        promptTokens: embedded.promptTokens,
        completionTokens: 0,
        cachedTokens: 0,
        reasoningTokens: 0,
      },
    });
    return embedded;
  }

  return async function embeddings(c) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    const request = validateBody(embeddingRequestSchema, body);
    c.get("access").model = request.model;
    const targets = resolveTargets(request.model, providers, config.rotation);
    const inputs = embeddingInputs(request);
    const options = { dimensions: request.dimensions ?? undefined, user: request.user ?? undefined };
    const size = inputsPerCall(targets);
    const result = batcher
      // A merged call serves several clients: one client leaving must not cancel it.
      ? await batcher.embed(
        `${request.model}|${options.dimensions ?? ""}`,
        inputs,
        (merged) => embedInChunks(merged, { size, embed: (chunk) => embed(targets, chunk, options) }),
      )
      : await embedInChunks(inputs, {
        size,
        embed: (chunk) =>
          embed(targets, chunk, { ...options, signal: c.req.raw.signal, requestId: c.get("requestId") }),
      });
    return c.json(
      resultToOpenAIEmbeddings(result, {
        model: request.model,
        encodingFormat: request.encoding_format ?? undefined,
      }),
    );
  };
}
