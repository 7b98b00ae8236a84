/** Mistral La Plateforme: OpenAI-compatible Chat Completions with its own reasoning switch. */
import { createHash } from "node:crypto";
import { openAICompatible } from "./openai_compatible.ts";
import {
  stripToolSchemaKeywords,
  wantsReasoning,
  withoutFields,
  withoutReasoningEffort,
} from "./openai_quirks.ts";

/** Fields of the OpenAI API that Mistral refuses with 422 `extra_forbidden`. */
const UNSUPPORTED_FIELDS = ["stream_options", "user", "top_k"];
/** Mistral's own tool-call ids: exactly nine letters or digits. */
const MISTRAL_TOOL_ID = /^[a-zA-Z0-9]{9}$/;
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** A stable nine-character id for a foreign tool-call id (`toolu_…`, `call_…`). */
export function mistralToolId(id: string): string {
  if (MISTRAL_TOOL_ID.test(id)) return id;
  const digest = createHash("sha256").update(id).digest();
  let result = "";
  for (let index = 0; index < 9; index++) result += ALPHABET[digest[index] % ALPHABET.length];
  return result;
}

/** Rewrite tool-call ids in assistant tool_calls and tool results the same way. */
function mistralToolIds(messages: unknown[]): unknown[] {
  return messages.map((message) => {
    if (message === null || typeof message !== "object") return message;
    const record = message as Record<string, unknown>;
    if (typeof record.tool_call_id === "string") {
      return { ...record, tool_call_id: mistralToolId(record.tool_call_id) };
    }
    if (!Array.isArray(record.tool_calls)) return record;
    return {
      ...record,
      tool_calls: record.tool_calls.map((call) =>
        call !== null && typeof call === "object" && typeof (call as { id?: unknown }).id === "string"
          ? { ...call, id: mistralToolId((call as { id: string }).id) }
          : call
      ),
    };
  });
}

/**
 * Mistral refuses a `user` message right after `tool` messages ("Unexpected role 'user' after role 'tool'",
 * code 3230). Claude Code produces exactly that when it puts text beside its tool results, and OpenAI
 * clients do when a user interrupts a tool loop. A short assistant turn bridges the two, as other Mistral
 * clients do; nothing the client sent is dropped.
 */
export const MISTRAL_TOOL_BRIDGE = { role: "assistant", content: "Tool results received." } as const;

/**
 * Mistral's output limit is `max_tokens`; `max_completion_tokens`, which newer OpenAI clients send, is
 * refused with 422 `extra_forbidden` (editor-code-assistant/eca#231). When both are given the smaller
 * wins, as it would on OpenAI, where both bound the same output.
 */
export function mistralMaxTokens(body: Record<string, unknown>): Record<string, unknown> {
  if (!("max_completion_tokens" in body)) return body;
  const { max_completion_tokens: completion, ...rest } = body;
  if (typeof completion !== "number") return rest;
  const limit = typeof rest.max_tokens === "number" ? Math.min(rest.max_tokens, completion) : completion;
  return { ...rest, max_tokens: limit };
}

function bridgeToolToUser(messages: unknown[]): unknown[] {
  const roleOf = (message: unknown) =>
    message !== null && typeof message === "object" ? (message as { role?: unknown }).role : undefined;
  const needsBridge = (index: number) =>
    index > 0 && roleOf(messages[index]) === "user" &&
    roleOf(messages[index - 1]) === "tool";
  if (!messages.some((_, index) => needsBridge(index))) return messages;
  return messages.flatMap((message, index) =>
    needsBridge(index) ? [MISTRAL_TOOL_BRIDGE, message] : [message]
  );
}

/** The mistral provider. */
export const mistral = openAICompatible({
  id: "mistral",
  baseUrl: "https://api.mistral.ai/v1",
  // Magistral reasons through prompt_mode (below); other models get no reasoning_effort.
  reasoningEffortModels: /magistral/i,
  // Its assistant message schema is closed: `reasoning_content` in history is a 422 `extra_forbidden`
  // (charmbracelet/crush#1590).
  reasoningHistory: "strip",
  prepareBody: (body, { model }) => {
    let prepared = mistralMaxTokens(
      withoutFields(stripToolSchemaKeywords(body, ["strict"]), UNSUPPORTED_FIELDS),
    );
    if (Array.isArray(prepared.messages)) {
      prepared = { ...prepared, messages: bridgeToolToUser(mistralToolIds(prepared.messages)) };
    }
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
