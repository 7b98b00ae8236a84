/** xAI (Grok): OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";
import { withoutFields } from "./openai_quirks.ts";

/**
 * Grok's reasoning models: grok-4 and its fast/code variants, grok-3-mini, grok-4.x, `grok-latest`; their
 * `-non-reasoning` twins are plain chat models.
 */
const REASONING_MODEL = /grok-(?:3-mini|4|code|latest)/i;

/**
 * "presencePenalty, frequencyPenalty and stop parameters are not supported by reasoning models. Adding
 * them in the request would result in an error." — https://docs.x.ai/docs/guides/reasoning
 */
const REASONING_REFUSED = ["stop", "presence_penalty", "frequency_penalty"];

/** The body without what a Grok reasoning model refuses ("Argument not supported on this model: stop"). */
export function fitGrokReasoningParameters(
  body: Record<string, unknown>,
  model: string,
): Record<string, unknown> {
  if (!REASONING_MODEL.test(model) || /non-reasoning/i.test(model)) return body;
  return withoutFields(body, REASONING_REFUSED);
}

/** The xai provider. */
export const xai = openAICompatible({
  id: "xai",
  baseUrl: "https://api.x.ai/v1",
  // grok-3-mini and grok-4.3 onwards take `reasoning_effort`; grok-4, grok-4-fast, grok-4-1-fast and
  // grok-4.20 answer 400 to it (https://docs.x.ai/developers/model-capabilities/text/reasoning).
  reasoningEffortModels: /grok-3-mini|grok-4\.[3-9](?!\d)/i,
  // xAI documents no reasoning field on input messages: reasoning goes back encrypted, through the
  // Responses API only (https://docs.x.ai/docs/guides/reasoning#encrypted-reasoning-content).
  reasoningHistory: "strip",
  prepareBody: (body, { model }) => fitGrokReasoningParameters(body, model),
});
