/** NVIDIA NIM (build.nvidia.com): OpenAI-compatible Chat Completions with per-model reasoning switches. */
import { openAICompatible } from "./openai_compatible.ts";
import { wantsReasoning, withoutReasoningEffort } from "./openai_quirks.ts";

/** The nvidia_nim provider. */
export const nvidiaNim = openAICompatible({
  id: "nvidia_nim",
  baseUrl: "https://integrate.api.nvidia.com/v1",
  // Reasoning models served here print their thoughts inside <think> tags.
  thinkTags: true,
  // Reasoning is switched by chat template arguments (DeepSeek, Qwen) or, for Nemotron, by the system
  // prompt "detailed thinking on" — https://docs.nvidia.com/nim/large-language-models/latest/reasoning-model.html
  prepareBody: (body, { model }) => {
    if (!("reasoning_effort" in body)) return body;
    const reasoning = wantsReasoning(body);
    const prepared = withoutReasoningEffort(body);
    if (/nemotron/i.test(model)) {
      const messages = Array.isArray(prepared.messages) ? prepared.messages : [];
      const switchMessage = {
        role: "system",
        content: reasoning ? "detailed thinking on" : "detailed thinking off",
      };
      return { ...prepared, messages: [switchMessage, ...messages] };
    }
    const kwargs = (prepared.chat_template_kwargs ?? {}) as Record<string, unknown>;
    return {
      ...prepared,
      chat_template_kwargs: { ...kwargs, thinking: reasoning, enable_thinking: reasoning },
    };
  },
});
