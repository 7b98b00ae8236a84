/** Chutes: OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The chutes provider. */
export const chutes = openAICompatible({
  id: "chutes",
  baseUrl: "https://llm.chutes.ai/v1",
  // Reasoning models served here (DeepSeek-R1, Qwen3…) may print their thoughts inside <think> tags.
  thinkTags: true,
});
