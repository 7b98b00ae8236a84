/** xAI (Grok): OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The xai provider. */
export const xai = openAICompatible({ id: "xai", baseUrl: "https://api.x.ai/v1" });
