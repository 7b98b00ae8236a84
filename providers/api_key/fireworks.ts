/** Fireworks AI: OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The fireworks provider. */
export const fireworks = openAICompatible({
  id: "fireworks",
  baseUrl: "https://api.fireworks.ai/inference/v1",
  // No documented `reasoning_effort` (reasoning is chosen by model); strict servers refuse it.
  reasoningEffortModels: "none",
});
