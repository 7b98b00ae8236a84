/**
 * OpenAI `chat.completion` objects ↔ the canonical response.
 * https://platform.openai.com/docs/api-reference/chat/object
 */
import type { CanonicalPart, CanonicalResponse, CanonicalUsage, FinishInfo } from "../canonical.ts";
import { emptyUsage } from "../canonical.ts";
import { finishFromOpenAI, finishToOpenAI } from "./finish_reason.ts";
import { usageFromOpenAI } from "./usage.ts";

import { isRecord, type Json } from "../json_values.ts";

/** OpenAI chat.completion JSON → canonical; throws a plain Error when the response holds no choice. */
export function openAIResponseToCanonical(json: unknown): CanonicalResponse {
  const root = isRecord(json) ? json : {};
  const choice = Array.isArray(root.choices) ? root.choices.find(isRecord) : undefined;
  if (!choice) throw new Error("The OpenAI-format response holds no choice (`choices` is missing or empty)");
  const message = isRecord(choice.message) ? choice.message : {};
  const content: CanonicalPart[] = [];
  // DeepSeek and vLLM name it `reasoning_content`, OpenRouter and Ollama `reasoning`.
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === "string" && reasoning !== "") content.push({ type: "reasoning", text: reasoning });
  if (typeof message.content === "string" && message.content !== "") {
    content.push({ type: "text", text: message.content });
  }
  const refusal = typeof message.refusal === "string" && message.refusal !== "" ? message.refusal : null;
  if (refusal !== null) content.push({ type: "text", text: refusal });
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const prefix = fallbackCallIdPrefix();
  calls.filter(isRecord).forEach((call, index) => content.push(toolCallPart(call, `${prefix}${index}`)));
  if (isRecord(message.function_call)) {
    content.push(toolCallPart({ function: message.function_call }, `${prefix}0`));
  }
  const raw = typeof choice.finish_reason === "string" ? choice.finish_reason : null;
  let finish: FinishInfo = finishFromOpenAI(raw);
  if (refusal !== null && (raw === "stop" || raw === "content_filter")) finish = { unified: "refusal", raw };
  // OpenAI answers "stop" when tool_choice named the function; the model did call a tool.
  else if (raw === "stop" && content.some((part) => part.type === "tool-call")) {
    finish = { unified: "tool-calls", raw };
  }
  return {
    id: typeof root.id === "string" ? root.id : "",
    model: typeof root.model === "string" ? root.model : "",
    content,
    finish,
    usage: usageFromOpenAI(root) ?? emptyUsage(),
  };
}

/**
 * The start of ids for tool calls an upstream sent without one. Unique per answer: clients such as Claude
 * Code refuse a history in which two tool calls share an id (`call_0` on every turn made it loop).
 */
export function fallbackCallIdPrefix(): string {
  return `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}_`;
}

/** Canonical usage → an OpenAI `usage` object (`prompt_tokens` counts cached tokens too). */
export function usageToOpenAI(usage: CanonicalUsage): Json {
  const promptTokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: promptTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/** Canonical → OpenAI chat.completion JSON (`model` is what the client asked for). */
export function canonicalToOpenAIResponse(
  response: CanonicalResponse,
  options: { model: string; created?: number },
): Record<string, unknown> {
  const { model, created = Math.floor(Date.now() / 1000) } = options;
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: Json[] = [];
  for (const part of response.content) {
    if (part.type === "text") texts.push(part.text);
    // Signature-only reasoning (Gemini signs its function calls) has no text to show.
    else if (part.type === "reasoning" && part.text !== "") reasoning.push(part.text);
    else if (part.type === "tool-call") {
      const call = { name: part.name, arguments: JSON.stringify(part.input) };
      toolCalls.push({ id: part.id, type: "function", function: call });
    }
  }
  const content = texts.length > 0 ? texts.join("") : null;
  const message: Json = { role: "assistant", content, refusal: null };
  if (reasoning.length > 0) message.reasoning_content = reasoning.join("");
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: openAICompletionId(response.id),
    object: "chat.completion",
    created,
    model,
    choices: [{ index: 0, message, finish_reason: finishToOpenAI(response.finish), logprobs: null }],
    usage: usageToOpenAI(response.usage),
  };
}

/** An id as OpenAI clients expect it: `chatcmpl-…`. */
export function openAICompletionId(id: string): string {
  return id.startsWith("chatcmpl-") ? id : `chatcmpl-${id}`;
}

/** A `tool_calls[i]` entry → a tool-call part; arguments that are not a JSON object become `{}`. */
function toolCallPart(call: Json, fallbackId: string): CanonicalPart {
  const definition = isRecord(call.function) ? call.function : {};
  let input: unknown = {};
  try {
    input = typeof definition.arguments === "string"
      ? JSON.parse(definition.arguments)
      : definition.arguments;
  } catch {
    // A model that wrote broken JSON: keep the call, without arguments, rather than lose the answer.
  }
  return {
    type: "tool-call",
    id: typeof call.id === "string" && call.id !== "" ? call.id : fallbackId,
    name: typeof definition.name === "string" ? definition.name : "",
    input: isRecord(input) ? input : {},
  };
}
