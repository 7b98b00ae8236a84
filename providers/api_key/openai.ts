/** OpenAI: the reference Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";
import { withoutFields } from "./openai_quirks.ts";

type Body = Record<string, unknown>;

/** The o-series and the GPT-5 family reason; `gpt-5-chat-latest` is a plain chat model. */
const REASONING_MODEL = /^(?:o\d|gpt-5(?!-chat))/i;
/**
 * GPT-5.1 and later take `temperature`, `top_p` and `logprobs` when asked not to reason
 * (`reasoning_effort: "none"`); with any other effort, or on older reasoning models, they answer 400.
 * https://platform.openai.com/docs/guides/latest-model#gpt-5-1-parameter-compatibility
 */
const SAMPLES_WITHOUT_REASONING = /^gpt-5\.\d/i;
/**
 * "Unsupported parameter: 'stop' is not supported with this model." — o3, o4-mini and the GPT-5 family
 * (o3-mini still takes it): langgenius/dify#18971, crewAIInc/crewAI#2738, huggingface/smolagents#1671.
 */
const REFUSES_STOP = /^(?:o3(?!-mini)|o4|gpt-5(?!-chat))/i;
/**
 * The o-series refuses `parallel_tool_calls` outright, even `false` (run-llama/llama_index#20865,
 * evalstate/fast-agent#279).
 */
const REFUSES_PARALLEL_TOOL_CALLS = /^o\d/i;

/** Fields reasoning models refuse whatever their value: https://platform.openai.com/docs/guides/reasoning */
const REASONING_REFUSED = ["presence_penalty", "frequency_penalty", "logit_bias"];
/** Sampling fields refused unless {@link SAMPLES_WITHOUT_REASONING} applies. */
const SAMPLING = ["temperature", "top_p"];
const LOGPROBS = ["logprobs", "top_logprobs"];

/** `max_tokens` is refused by reasoning models; `max_completion_tokens` works for every chat model. */
function withMaxCompletionTokens(body: Body): Body {
  // https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_completion_tokens
  if (typeof body.max_tokens !== "number" || body.max_completion_tokens !== undefined) return body;
  const { max_tokens: maxTokens, ...rest } = body;
  return { ...rest, max_completion_tokens: maxTokens };
}

/**
 * Remove what a reasoning model answers 400 to: "Unsupported value: 'temperature' does not support 0.2
 * with this model. Only the default (1) value is supported." and the like. Translated requests carry
 * an Anthropic client's temperature, stop sequences and `parallel_tool_calls: false` to any model.
 */
export function fitReasoningModelParameters(body: Body, model: string): Body {
  if (!REASONING_MODEL.test(model)) return body;
  const drop = [...REASONING_REFUSED];
  const samples = SAMPLES_WITHOUT_REASONING.test(model) && body.reasoning_effort === "none";
  if (!samples) {
    // The default (1) is accepted; sending it back as given keeps the body closest to the client's.
    drop.push(...SAMPLING.filter((field) => body[field] !== 1), ...LOGPROBS);
  }
  if (REFUSES_STOP.test(model)) drop.push("stop");
  if (REFUSES_PARALLEL_TOOL_CALLS.test(model)) drop.push("parallel_tool_calls");
  return withoutFields(body, drop);
}

/**
 * Models OpenAI serves only through the Responses API; Chat Completions answers them "This model is only
 * supported in v1/responses and not in v1/chat/completions." (o1-pro, o3-pro, the GPT-5 pro models, the
 * Codex models, the deep-research models and computer-use-preview, per their model pages at
 * https://platform.openai.com/docs/models). `OPENAI_RESPONSES_MODELS` replaces or extends it.
 */
export const OPENAI_RESPONSES_MODELS: readonly string[] = [
  "o1-pro*",
  "o3-pro*",
  "gpt-5-pro*",
  "gpt-5.*-pro*",
  "*codex*",
  "*deep-research*",
  "computer-use-preview*",
];

/** Reasoning models behind the Responses API (the Codex models included). */
const RESPONSES_REASONING_MODEL = /^(?:o\d|gpt-5(?!-chat)|codex)/i;

/**
 * The same refusals on `/responses`: reasoning models answer 400 to `temperature` and `top_p` ("Unsupported
 * parameter: 'temperature' is not supported with this model."), unless a GPT-5.1+ model is asked not to
 * reason. Translated requests carry an Anthropic client's temperature to any model.
 */
export function fitResponsesReasoningParameters(body: Body, model: string): Body {
  if (!RESPONSES_REASONING_MODEL.test(model)) return body;
  const reasoning = body.reasoning as { effort?: unknown } | null | undefined;
  if (SAMPLES_WITHOUT_REASONING.test(model) && reasoning?.effort === "none") return body;
  return withoutFields(body, SAMPLING);
}

/** The openai provider. */
export const openai = openAICompatible({
  id: "openai",
  baseUrl: "https://api.openai.com/v1",
  // Reasoning models take `reasoning_effort`; the others answer 400 to it.
  reasoningEffortModels: /^(?:o\d|gpt-5(?!-chat)|codex)/i,
  // The Chat Completions message schema has no reasoning field, and OpenAI takes no reasoning back there
  // (https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages).
  reasoningHistory: "strip",
  prepareBody: (body, { model }) => fitReasoningModelParameters(withMaxCompletionTokens(body), model),
  responsesModels: OPENAI_RESPONSES_MODELS,
  prepareResponsesBody: (body, { model }) => fitResponsesReasoningParameters(body, model),
});
