/**
 * Responses API `usage` ↔ canonical usage. OpenAI's `input_tokens` includes the cached ones; canonical
 * `inputTokens` does not.
 * https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
import type { CanonicalUsage } from "../canonical.ts";
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
 * Token usage from the last bytes of a Responses stream: the `usage` of its terminal event
 * (`response.completed`, `.incomplete` or `.failed`). That event repeats the whole response and may be
 * longer than the tail, so its `usage` object (which holds only numbers) is read on its own.
 */
export function responsesStreamUsage(tail: string): CanonicalUsage | null {
  const start = tail.lastIndexOf('"usage":{');
  if (start < 0) return null;
  const open = start + '"usage":'.length;
  let depth = 0;
  for (let index = open; index < tail.length; index++) {
    if (tail[index] === "{") depth += 1;
    else if (tail[index] === "}" && --depth === 0) {
      try {
        return usageFromResponses(JSON.parse(tail.slice(open, index + 1)));
      } catch {
        return null;
      }
    }
  }
  return null;
}
