/**
 * `models/{model}:embedContent` and `:batchEmbedContents`: the Gemini door's embeddings, for every
 * provider with embeddings. https://ai.google.dev/api/embeddings
 */
import { RequestError } from "../../errors.ts";
import type { AppDeps } from "../context.ts";
import type { GeminiMethodHandler } from "./gemini.ts";

/** Build the embeddings methods of the Gemini door. */
export function geminiEmbeddings(_deps: AppDeps): GeminiMethodHandler {
  // TODO(#9): wire to the shared embeddings call once the upstream client seam is merged.
  return function geminiEmbeddings(_c, call) {
    return Promise.reject(
      new RequestError(501, `${call.method} is not served yet`, { code: "not_implemented" }),
    );
  };
}
