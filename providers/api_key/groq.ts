/** Groq: OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The groq provider. */
export const groq = openAICompatible({
  id: "groq",
  baseUrl: "https://api.groq.com/openai/v1",
  // Only the gpt-oss models take low/medium/high; others refuse or read it differently.
  reasoningEffortModels: /gpt-oss/i,
  // Its message schema is closed: "property 'reasoning_content' is unsupported" (janhq/jan#8136), and
  // the same for `reasoning` (karthink/gptel#774).
  reasoningHistory: "strip",
  // Reasoning models served here (DeepSeek-R1, Qwen3…) may print their thoughts inside <think> tags.
  thinkTags: true,
});
