/**
 * `models/{model}:embedContent` and `:batchEmbedContents`: the Gemini door's embeddings, for every
 * provider with embeddings, through the same embeddings call as `POST /v1/embeddings`.
 * https://ai.google.dev/api/embeddings
 */
import { RequestError } from "../../errors.ts";
import {
  batchEmbedContentsInputs,
  embedContentInputs,
  geminiBatchEmbedContentsSchema,
  geminiEmbedContentSchema,
  resultToGeminiEmbeddings,
} from "../../formats/gemini/embeddings.ts";
import type { EmbeddingResult } from "../../formats/openai/embeddings.ts";
import type { Target } from "../../rotator/rotator.ts";
import type { AppDeps } from "../context.ts";
import { resolveTargets } from "../model_resolution.ts";
import { readJsonBody } from "../request_body.ts";
import { validateBody } from "../validation.ts";
import type { GeminiMethodHandler } from "./gemini.ts";

/** Embeds texts for a model's targets (the embeddings handler's call, with chunking and failover). */
export type EmbedTexts = (
  targets: readonly Target[],
  inputs: string[],
  options: { dimensions?: number; signal?: AbortSignal; requestId?: string },
) => Promise<EmbeddingResult>;

/** Until the embeddings call is shared (TODO(#9): after the upstream client seam), a clear 501. */
const notServedYet: EmbedTexts = () =>
  Promise.reject(new RequestError(501, "Gemini embeddings are not served yet", { code: "not_implemented" }));

/** Build the embeddings methods of the Gemini door. */
export function geminiEmbeddings(
  deps: AppDeps,
  options: { embed?: EmbedTexts } = {},
): GeminiMethodHandler {
  const { embed = notServedYet } = options;
  const { config } = deps;
  const providers = new Map(deps.providers.map((provider) => [provider.id, provider]));
  return async function geminiEmbeddings(c, call) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    const { inputs, dimensions } = call.method === "embedContent"
      ? embedContentInputs(validateBody(geminiEmbedContentSchema, body))
      : batchEmbedContentsInputs(validateBody(geminiBatchEmbedContentsSchema, body));
    const targets = resolveTargets(call.model, providers, config.rotation, { format: "gemini" });
    const result = await embed(targets, inputs, {
      dimensions,
      signal: c.req.raw.signal,
      requestId: c.get("requestId"),
    });
    return c.json(
      resultToGeminiEmbeddings(
        result,
        call.method === "embedContent" ? "embedContent" : "batchEmbedContents",
      ),
    );
  };
}
