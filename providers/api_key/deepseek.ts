/** DeepSeek: OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The deepseek provider. */
export const deepseek = openAICompatible({ id: "deepseek", baseUrl: "https://api.deepseek.com/v1" });
