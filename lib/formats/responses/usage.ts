/**
 * Responses API `usage` ↔ canonical usage. OpenAI's `input_tokens` includes the cached ones; canonical
 * `inputTokens` does not.
 * https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
import type { CanonicalUsage } from "../canonical.ts";
import { SseParser } from "../sse.ts";
import { isRecord, type Json } from "../json_values.ts";

/** A Responses `usage` object → canonical, or null when there is none. */
export function usageFromResponses(usage: unknown): CanonicalUsage | null {
  if (!isRecord(usage)) return null;
  const number = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const inputDetails = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const outputDetails = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  const cached = number(inputDetails.cached_tokens);
  return {
    inputTokens: Math.max(0, number(usage.input_tokens) - cached),
    outputTokens: number(usage.output_tokens),
    cacheReadTokens: cached,
    cacheCreationTokens: 0,
    reasoningTokens: number(outputDetails.reasoning_tokens),
  };
}

/** Canonical usage → a Responses `usage` object. */
export function usageToResponses(usage: CanonicalUsage): Json {
  const input = usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: input + usage.outputTokens,
  };
}

/**
 * Token usage from the last bytes of a Responses stream: the `response` of its terminal event
 * (`response.completed`, `.incomplete` or `.failed`), when the tail holds that event whole.
 */
export function responsesStreamUsage(tail: string): CanonicalUsage | null {
  const parser = new SseParser();
  const events = [...parser.push(tail), ...parser.end()];
  for (let index = events.length - 1; index >= 0; index--) {
    try {
      const data = JSON.parse(events[index].data);
      const usage = isRecord(data) && isRecord(data.response)
        ? usageFromResponses(data.response.usage)
        : null;
      if (usage) return usage;
    } catch {
      // The first event of the tail may be cut: keep looking.
    }
  }
  return null;
}
