/** Mistral La Plateforme: OpenAI-compatible Chat Completions with its own reasoning switch. */
import { openAICompatible } from "./openai_compatible.ts";
import { stripToolSchemaKeywords, wantsReasoning, withoutReasoningEffort } from "./openai_quirks.ts";

/** The mistral provider. */
export const mistral = openAICompatible({
  id: "mistral",
  baseUrl: "https://api.mistral.ai/v1",
  prepareBody: (body, { model }) => {
    let prepared = stripToolSchemaKeywords(body, ["strict"]);
    // Magistral models reason when asked with `prompt_mode: "reasoning"`
    // (https://docs.mistral.ai/capabilities/reasoning/), not with `reasoning_effort`.
    if (/magistral/i.test(model) && "reasoning_effort" in prepared) {
      const reasoning = wantsReasoning(prepared);
      prepared = withoutReasoningEffort(prepared);
      if (reasoning) prepared = { ...prepared, prompt_mode: "reasoning" };
    }
    return prepared;
  },
});
