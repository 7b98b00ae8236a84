/** Mistral La Plateforme: OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The mistral provider. */
export const mistral = openAICompatible({ id: "mistral", baseUrl: "https://api.mistral.ai/v1" });
