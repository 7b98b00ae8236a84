/**
 * One embeddings call for a model's targets, whatever the client's format: texts in, vectors out, sent
 * in chunks no larger than every target's format takes in one upstream call, with failover across keys
 * and alias targets. The OpenAI and Gemini front doors both embed through it.
 */
import { RequestError, UpstreamError } from "../errors.ts";
import { embeddingCodec } from "../formats/embeddings.ts";
import type { EmbeddingResult } from "../formats/openai/embeddings.ts";
import type { FrontDoor } from "../rotator/events.ts";
import type { Target } from "../rotator/rotator.ts";
import type { UpstreamClient } from "../rotator/upstream_client.ts";
import { embedInChunks } from "./embedding_batcher.ts";

/** Options of one embeddings call. */
export interface EmbedOptions {
  dimensions?: number;
  user?: string;
  /** The client's signal; absent for a call merged from several clients. */
  signal?: AbortSignal;
  requestId?: string;
  /** The front door, as attempt events name it. @default "embeddings" */
  frontDoor?: FrontDoor;
}

/** Embeds `inputs` for `targets`, in input order. */
export type EmbedCall = (
  targets: readonly Target[],
  inputs: Array<string | number[]>,
  options: EmbedOptions,
) => Promise<EmbeddingResult>;

/** The largest chunk every target can take in one call (Infinity when no format sets a limit). */
export function inputsPerCall(targets: readonly Target[]): number {
  return Math.min(
    ...targets.map((target) => embeddingCodec(target.provider.adapter.format)?.inputsPerCall ?? Infinity),
  );
}

/** Build the embeddings call over `upstream`. */
export function embeddingCall(upstream: UpstreamClient): EmbedCall {
  /** One upstream embeddings call for `inputs`, with failover across keys and alias targets. */
  async function embedOnce(
    targets: readonly Target[],
    inputs: Array<string | number[]>,
    options: EmbedOptions,
  ): Promise<EmbeddingResult> {
    const result = await upstream.json({
      targets,
      signal: options.signal,
      facts: { requestId: options.requestId, frontDoor: options.frontDoor ?? "embeddings" },
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

  return function embed(targets, inputs, options) {
    // Checked before any call: a target without embeddings is the client's mistake, not an upstream failure.
    for (const target of targets) {
      if (!embeddingCodec(target.provider.adapter.format) || !target.provider.adapter.embeddingsRequest) {
        return Promise.reject(
          new RequestError(400, `provider ${target.provider.id} does not offer embeddings`, {
            param: "model",
            code: "model_not_supported",
          }),
        );
      }
    }
    return embedInChunks(inputs, {
      size: inputsPerCall(targets),
      embed: (chunk) => embedOnce(targets, chunk, options),
    });
  };
}
