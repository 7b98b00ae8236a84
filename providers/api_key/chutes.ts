/** Chutes: OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The chutes provider. */
export const chutes = openAICompatible({ id: "chutes", baseUrl: "https://llm.chutes.ai/v1" });
