/** OpenAI: the reference Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The openai provider. */
export const openai = openAICompatible({
  id: "openai",
  baseUrl: "https://api.openai.com/v1",
  // Reasoning models take `reasoning_effort`; the others answer 400 to it.
  reasoningEffortModels: /^(o\d|gpt-5|codex)/i,
  prepareBody: (body) => {
    let prepared = body;
    // `max_tokens` is refused by reasoning models; `max_completion_tokens` works for every chat model.
    // https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_completion_tokens
    if (typeof prepared.max_tokens === "number" && prepared.max_completion_tokens === undefined) {
      const { max_tokens: maxTokens, ...rest } = prepared;
      prepared = { ...rest, max_completion_tokens: maxTokens };
    }
    return prepared;
  },
});
