/** DeepSeek: OpenAI-compatible Chat Completions; reasoning arrives as `reasoning_content`. */
import { openAICompatible } from "./openai_compatible.ts";
import { stripReasoningHistory } from "./openai_quirks.ts";

/** The deepseek provider. */
export const deepseek = openAICompatible({
  id: "deepseek",
  baseUrl: "https://api.deepseek.com/v1",
  // No documented `reasoning_effort` (reasoning is chosen by model); strict servers refuse it.
  reasoningEffortModels: "none",
  // "If the reasoning_content field is included in the sequence of input messages, the API will return
  // a 400 error" — https://api-docs.deepseek.com/guides/reasoning_model
  prepareBody: (body) => stripReasoningHistory(body),
});
