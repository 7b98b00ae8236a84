/** OpenRouter (model ids nest a vendor: `anthropic/claude-3-opus`): OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The openrouter provider. */
export const openrouter = openAICompatible({
  id: "openrouter",
  baseUrl: "https://openrouter.ai/api/v1",
  // Reasoning history is kept: OpenRouter normalizes messages for each upstream it routes to, takes
  // reasoning back (https://openrouter.ai/docs/use-cases/reasoning-tokens#preserving-reasoning-blocks),
  // and DeepSeek behind it needs it in tool loops.
  reasoningHistory: "keep",
  // OpenRouter's unified reasoning control is `reasoning: {effort}`
  // (https://openrouter.ai/docs/use-cases/reasoning-tokens); it maps it per model.
  prepareBody: (body) => {
    if (typeof body.reasoning_effort !== "string" || body.reasoning !== undefined) return body;
    const { reasoning_effort: effort, ...rest } = body;
    return effort === "none"
      ? { ...rest, reasoning: { enabled: false } }
      : { ...rest, reasoning: { effort } };
  },
});
