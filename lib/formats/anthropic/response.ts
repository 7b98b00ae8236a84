/**
 * Anthropic `message` objects ↔ the canonical response.
 * https://docs.anthropic.com/en/api/messages#response-content
 */
import type { CanonicalPart, CanonicalResponse, CanonicalUsage } from "../canonical.ts";
import { emptyUsage, mergeUsage } from "../canonical.ts";
import { finishFromAnthropic, finishToAnthropic } from "./finish_reason.ts";
import type { AnthropicUsage } from "./schema.ts";
import { messageResponseSchema, responseBlockSchema } from "./schema.ts";

type Json = Record<string, unknown>;

const TRANSLATED_BLOCKS = new Set(["text", "tool_use", "thinking", "redacted_thinking"]);

/** An Anthropic message JSON → canonical; throws a plain Error when `json` is not a message object. */
export function anthropicResponseToCanonical(json: unknown): CanonicalResponse {
  const parsed = messageResponseSchema.safeParse(json);
  if (!parsed.success) {
    const error = (json as { type?: unknown; error?: { message?: unknown } } | null)?.error;
    const detail = typeof error?.message === "string"
      ? `an error: ${error.message}`
      : parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)[0];
    throw new Error(`The Anthropic-format response is not a message object (${detail})`);
  }
  const message = parsed.data;
  const content: CanonicalPart[] = [];
  message.content.forEach((raw, index) => {
    // Server tool blocks (web search results, …) have no canonical form and stay at Anthropic.
    if (!TRANSLATED_BLOCKS.has(raw.type)) return;
    const result = responseBlockSchema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`The Anthropic-format response has a bad content.${index}.${issue.path.join(".")}`);
    }
    const block = result.data;
    if (block.type === "text") content.push({ type: "text", text: block.text });
    else if (block.type === "tool_use") {
      content.push({ type: "tool-call", id: block.id, name: block.name, input: block.input ?? {} });
    } else if (block.type === "thinking") {
      content.push(
        block.signature
          ? { type: "reasoning", text: block.thinking, signature: block.signature }
          : { type: "reasoning", text: block.thinking },
      );
    } else content.push({ type: "redacted-reasoning", data: block.data });
  });
  return {
    id: message.id,
    model: message.model ?? "",
    content,
    finish: finishFromAnthropic(message.stop_reason, message.stop_sequence),
    usage: mergeUsage(emptyUsage(), usageFromAnthropic(message.usage)),
  };
}

/** The canonical fields present in an Anthropic `usage` object (absent or null ones are left out). */
export function usageFromAnthropic(usage: AnthropicUsage | null | undefined): Partial<CanonicalUsage> {
  if (usage === null || usage === undefined) return {};
  const result: Partial<CanonicalUsage> = {};
  // Anthropic's `input_tokens` already excludes cache reads and writes, like canonical `inputTokens`.
  if (typeof usage.input_tokens === "number") result.inputTokens = usage.input_tokens;
  if (typeof usage.output_tokens === "number") result.outputTokens = usage.output_tokens;
  if (typeof usage.cache_read_input_tokens === "number") {
    result.cacheReadTokens = usage.cache_read_input_tokens;
  }
  if (typeof usage.cache_creation_input_tokens === "number") {
    result.cacheCreationTokens = usage.cache_creation_input_tokens;
  }
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (typeof thinking === "number") result.reasoningTokens = thinking;
  return result;
}

/** Canonical usage → an Anthropic `usage` object. */
export function usageToAnthropic(usage: CanonicalUsage): Json {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheCreationTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    output_tokens: usage.outputTokens,
  };
}

/** An Anthropic message id: the upstream's own id, `msg_`-prefixed when it lacks the prefix. */
export function anthropicMessageId(id: string): string {
  if (id.startsWith("msg_")) return id;
  return `msg_${id === "" ? crypto.randomUUID().replaceAll("-", "") : id}`;
}

/** Canonical → an Anthropic message JSON (`model` is what the client asked for). */
export function canonicalToAnthropicResponse(
  response: CanonicalResponse,
  options: { model: string },
): Record<string, unknown> {
  const { stopReason, stopSequence } = finishToAnthropic(response.finish);
  return {
    id: anthropicMessageId(response.id),
    type: "message",
    role: "assistant",
    model: options.model,
    content: response.content.flatMap(blockToAnthropic),
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage: usageToAnthropic(response.usage),
  };
}

function blockToAnthropic(part: CanonicalPart): Json[] {
  switch (part.type) {
    case "text":
      return part.text === "" ? [] : [{ type: "text", text: part.text }];
    case "tool-call":
      return [{ type: "tool_use", id: part.id, name: part.name, input: part.input }];
    case "reasoning":
      // `signature` is a required string of a thinking block; reasoning from other providers has none.
      return [{ type: "thinking", thinking: part.text, signature: part.signature ?? "" }];
    case "redacted-reasoning":
      return [{ type: "redacted_thinking", data: part.data }];
    default:
      // Images, documents and tool results belong to requests, not to an assistant's answer.
      return [];
  }
}
