/** OpenAI: the reference Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";
import { withoutReasoningEffort } from "./openai_quirks.ts";

/** Model families that take `reasoning_effort`; other models answer 400 to it. */
const REASONING_MODELS = /^(o\d|gpt-5|codex)/i;

/** The openai provider. */
export const openai = openAICompatible({
  id: "openai",
  baseUrl: "https://api.openai.com/v1",
  prepareBody: (body, { model }) => {
    let prepared = body;
    // `max_tokens` is refused by reasoning models; `max_completion_tokens` works for every chat model.
    // https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_completion_tokens
    if (typeof prepared.max_tokens === "number" && prepared.max_completion_tokens === undefined) {
      const { max_tokens: maxTokens, ...rest } = prepared;
      prepared = { ...rest, max_completion_tokens: maxTokens };
    }
    // Translated requests (e.g. Claude Code with thinking on) carry an effort any model would reject.
    if ("reasoning_effort" in prepared && !REASONING_MODELS.test(model)) {
      prepared = withoutReasoningEffort(prepared);
    }
    return prepared;
  },
});
