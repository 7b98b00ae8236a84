/**
 * Anthropic Messages requests ↔ the canonical request: this file writes Anthropic bodies, `request_reading.ts`
 * reads them.
 * https://docs.anthropic.com/en/api/messages
 */
import type {
  CanonicalMessage,
  CanonicalPart,
  CanonicalRequest,
  ImageSource,
  ReasoningControl,
  TextPart,
  ToolChoice,
} from "../canonical.ts";
import { signatureFor } from "../canonical.ts";
import { MIN_THINKING_BUDGET } from "./schema.ts";

export { MIN_THINKING_BUDGET };
export { anthropicRequestToCanonical } from "./request_reading.ts";

type Json = Record<string, unknown>;

/** `max_tokens` is required by Anthropic; this is sent when the client gave none. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Thinking budgets standing in for an OpenAI-style effort (`minimal` means no thinking). */
export const EFFORT_BUDGETS: Readonly<Record<"low" | "medium" | "high", number>> = {
  low: 2048,
  medium: 8192,
  high: 24576,
};

/** What a JSON-object answer (no schema) is asked with: Anthropic has no such mode, so the prompt says it. */
export const JSON_OBJECT_INSTRUCTION = "Respond with a single valid JSON object and nothing else.";

/** A canonical request → an Anthropic Messages body. */
export function canonicalToAnthropicRequest(request: CanonicalRequest): Record<string, unknown> {
  const messages = messagesToAnthropic(request.messages);
  // Anthropic refuses a tool_choice without tools ("tool_choice may only be specified while providing tools").
  const toolChoice = request.tools.length > 0 ? request.toolChoice : undefined;
  const budget = thinkingAllowed(toolChoice, messages) ? thinkingBudget(request.reasoning) : null;
  let maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
  // The budget must be below max_tokens, or Anthropic answers 400.
  if (budget !== null && maxTokens <= budget) maxTokens = budget + DEFAULT_MAX_TOKENS;
  const body: Json = { model: request.model, max_tokens: maxTokens };
  const system = request.system.filter((part) => part.text !== "");
  if (request.responseFormat?.type === "json_object") {
    system.push({ type: "text", text: JSON_OBJECT_INSTRUCTION });
  }
  if (system.length === 1) body.system = system[0].text;
  else if (system.length > 1) body.system = system.map((part) => ({ type: "text", text: part.text }));
  body.messages = messages;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      input_schema: tool.inputSchema,
    }));
  }
  if (toolChoice !== undefined) body.tool_choice = toolChoiceToAnthropic(toolChoice);
  // Anthropic refuses stop sequences made only of whitespace ("\n" is common from OpenAI clients).
  const stops = request.stopSequences?.filter((stop) => stop.trim() !== "") ?? [];
  if (stops.length > 0) body.stop_sequences = stops;
  if (budget === null) {
    // Anthropic's temperature range is 0–1 (OpenAI's is 0–2).
    if (request.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, request.temperature));
    // Newer models refuse both ("`temperature` and `top_p` cannot both be specified for this model").
    if (request.topP !== undefined && request.temperature === undefined) body.top_p = request.topP;
    if (request.topK !== undefined) body.top_k = request.topK;
  } else {
    // With thinking, temperature and top_k must stay at their defaults and top_p within 0.95–1.
    // https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#feature-compatibility
    if (request.topP !== undefined && request.topP >= 0.95) body.top_p = request.topP;
    body.thinking = { type: "enabled", budget_tokens: budget };
  }
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.responseFormat?.type === "json_schema") {
    body.output_config = { format: { type: "json_schema", schema: request.responseFormat.schema } };
  }
  if (request.stream) body.stream = true;
  return body;
}

/**
 * Whether thinking may be enabled: not with forced tool use, and not when the last assistant turn
 * calls tools without a signed thinking block first (history from other providers never has one).
 */
function thinkingAllowed(toolChoice: ToolChoice | undefined, messages: readonly Json[]): boolean {
  if (toolChoice?.type === "any" || toolChoice?.type === "tool") return false;
  const lastAssistant = [...messages].reverse().find((message) => message.role === "assistant");
  const blocks = (lastAssistant?.content ?? []) as Json[];
  const callsTools = blocks.some((block) => block.type === "tool_use");
  const startsWithThinking = blocks[0]?.type === "thinking" || blocks[0]?.type === "redacted_thinking";
  return !callsTools || startsWithThinking;
}

/** The `budget_tokens` to ask for, or null for no thinking. */
function thinkingBudget(reasoning: ReasoningControl | undefined): number | null {
  if (reasoning === undefined || !reasoning.enabled) return null;
  if (reasoning.budgetTokens !== undefined) {
    return reasoning.budgetTokens > 0 ? Math.max(MIN_THINKING_BUDGET, reasoning.budgetTokens) : null;
  }
  if (reasoning.effort === "minimal") return null;
  return EFFORT_BUDGETS[reasoning.effort ?? "medium"];
}

function toolChoiceToAnthropic(choice: ToolChoice): Json {
  if (choice.type === "none") return { type: "none" };
  const body: Json = choice.type === "tool" ? { type: "tool", name: choice.name } : { type: choice.type };
  if (choice.parallel === false) body.disable_parallel_tool_use = true;
  return body;
}

/**
 * Canonical messages → Anthropic's: consecutive turns of one role merged (roles must alternate), tool
 * results first in their user turn, and empty turns dropped.
 * https://docs.anthropic.com/en/docs/build-with-claude/tool-use/implement-tool-use#handling-tool-use-and-tool-result-content-blocks
 */
function messagesToAnthropic(messages: readonly CanonicalMessage[]): Json[] {
  const merged: Array<{ role: "user" | "assistant"; content: Json[] }> = [];
  for (const message of messages) {
    const blocks = message.content.flatMap(partToAnthropic);
    if (blocks.length === 0) continue;
    const last = merged.at(-1);
    if (last !== undefined && last.role === message.role) last.content.push(...blocks);
    else merged.push({ role: message.role, content: blocks });
  }
  for (const message of merged) {
    if (message.role !== "user") continue;
    const results = message.content.filter((block) => block.type === "tool_result");
    const others = message.content.filter((block) => block.type !== "tool_result");
    message.content = [...results, ...others];
  }
  // A final assistant turn is a prefill, and Anthropic refuses one that ends in whitespace.
  const last = merged.at(-1);
  const lastBlock = last?.role === "assistant" ? last.content.at(-1) : undefined;
  if (lastBlock?.type === "text" && typeof lastBlock.text === "string") {
    lastBlock.text = lastBlock.text.trimEnd();
    if (lastBlock.text === "") last!.content.pop();
    if (last!.content.length === 0) merged.pop();
  }
  return merged;
}

/** Tool ids must match `^[a-zA-Z0-9_-]+$`; other providers' ids (`functions.get:0`) are mapped alike on both sides. */
export function anthropicToolId(id: string): string {
  return /^[a-zA-Z0-9_-]+$/.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, "_");
}

function imageToAnthropic(source: ImageSource): Json {
  const body = source.kind === "base64"
    ? { type: "base64", media_type: source.mediaType, data: source.data }
    : { type: "url", url: source.url };
  return { type: "image", source: body };
}

/** One canonical part → zero or one Anthropic block. */
function partToAnthropic(part: CanonicalPart): Json[] {
  switch (part.type) {
    case "text":
      // Anthropic rejects empty text blocks.
      return part.text === "" ? [] : [{ type: "text", text: part.text }];
    case "image":
      return [imageToAnthropic(part.source)];
    case "document": {
      const source = part.source.kind === "url"
        ? { type: "url", url: part.source.url }
        : { type: part.source.kind, media_type: part.source.mediaType, data: part.source.data };
      return [{ type: "document", source, ...(part.title !== undefined ? { title: part.title } : {}) }];
    }
    case "tool-call":
      return [{ type: "tool_use", id: anthropicToolId(part.id), name: part.name, input: part.input }];
    case "tool-result": {
      const block: Json = { type: "tool_result", tool_use_id: anthropicToolId(part.toolCallId) };
      const content = part.content.filter((item) => item.type !== "text" || item.text !== "");
      const texts = content.filter((item): item is TextPart => item.type === "text");
      if (content.length > 0 && texts.length === content.length) {
        block.content = texts.map((item) => item.text).join("\n");
      } else if (content.length > 0) {
        block.content = content.map((item) =>
          item.type === "text" ? { type: "text", text: item.text } : imageToAnthropic(item.source)
        );
      }
      if (part.isError) block.is_error = true;
      return [block];
    }
    case "reasoning": {
      // Anthropic rejects thinking blocks it did not sign (e.g. reasoning from another provider).
      const signature = signatureFor("anthropic", part.signature);
      return signature ? [{ type: "thinking", thinking: part.text, signature }] : [];
    }
    case "redacted-reasoning":
      return [{ type: "redacted_thinking", data: part.data }];
  }
}
