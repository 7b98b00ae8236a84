/** OpenAI: the reference Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The openai provider. */
export const openai = openAICompatible({ id: "openai", baseUrl: "https://api.openai.com/v1" });
