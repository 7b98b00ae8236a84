/**
 * `models/{model}:embedContent` and `:batchEmbedContents`: the Gemini door's embeddings, for every
 * provider with embeddings, through the same embeddings call as `POST /v1/embeddings`.
 * https://ai.google.dev/api/embeddings
 */
import {
  batchEmbedContentsInputs,
  embedContentInputs,
  geminiBatchEmbedContentsSchema,
  geminiEmbedContentSchema,
  resultToGeminiEmbeddings,
} from "../../formats/gemini/embeddings.ts";
import type { AppDeps } from "../context.ts";
import { liveProviders } from "../live_providers.ts";
import type { EmbedCall } from "../embedding_call.ts";
import { resolveTargets } from "../model_resolution.ts";
import { readJsonBody } from "../request_body.ts";
import { validateBody } from "../validation.ts";
import type { GeminiMethodHandler } from "./gemini.ts";

/** Build the embeddings methods of the Gemini door. */
export function geminiEmbeddings(
  deps: AppDeps,
  options: { embed: EmbedCall },
): GeminiMethodHandler {
  const { embed } = options;
  const { config } = deps;
  // Read per call: OAuth logins and removals change the providers while the proxy runs.
  const providers = liveProviders(deps);
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
      frontDoor: "gemini",
    });
    return c.json(
      resultToGeminiEmbeddings(
        result,
        call.method === "embedContent" ? "embedContent" : "batchEmbedContents",
      ),
    );
  };
}
