/** OpenRouter (model ids nest a vendor: `anthropic/claude-3-opus`): OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The openrouter provider. */
export const openrouter = openAICompatible({ id: "openrouter", baseUrl: "https://openrouter.ai/api/v1" });
