/** Groq: OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The groq provider. */
export const groq = openAICompatible({
  id: "groq",
  baseUrl: "https://api.groq.com/openai/v1",
  // Reasoning models served here (DeepSeek-R1, Qwen3…) may print their thoughts inside <think> tags.
  thinkTags: true,
});
