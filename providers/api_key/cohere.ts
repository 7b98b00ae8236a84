/** Cohere, through its OpenAI-compatible Compatibility API (https://docs.cohere.com/docs/compatibility-api). */
import { openAICompatible } from "./openai_compatible.ts";

/** The cohere provider. */
export const cohere = openAICompatible({ id: "cohere", baseUrl: "https://api.cohere.ai/compatibility/v1" });
