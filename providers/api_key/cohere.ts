/** Cohere, through its OpenAI-compatible Compatibility API (https://docs.cohere.com/docs/compatibility-api). */
import { openAICompatible } from "./openai_compatible.ts";
import { stripToolSchemaKeywords } from "./openai_quirks.ts";

/** The cohere provider. */
export const cohere = openAICompatible({
  id: "cohere",
  baseUrl: "https://api.cohere.ai/compatibility/v1",
  // No documented `reasoning_effort` (reasoning is chosen by model); strict servers refuse it.
  reasoningEffortModels: "none",
  // The Compatibility API documents no reasoning field on input messages; drop it rather than risk a 400.
  reasoningHistory: "strip",
  // The Compatibility API documents no `strict` tool mode; drop it rather than risk a 400.
  prepareBody: (body) => stripToolSchemaKeywords(body, ["strict"]),
});
