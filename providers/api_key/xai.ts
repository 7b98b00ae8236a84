/** xAI (Grok): OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The xai provider. */
export const xai = openAICompatible({
  id: "xai",
  baseUrl: "https://api.x.ai/v1",
  // Only grok-3-mini takes `reasoning_effort`; grok-4 and others answer 400 to it.
  reasoningEffortModels: /grok-3-mini/i,
});
