/** Reading token usage from OpenAI-format responses and streams. */
import type { TokenUsage } from "../../rotator/usage.ts";

/** Token usage of an OpenAI `usage` object (chat completion or final stream chunk), or null. */
export function openAIUsage(json: unknown): TokenUsage | null {
  const usage = (json as { usage?: unknown } | null)?.usage;
  if (usage === null || typeof usage !== "object") return null;
  const record = usage as Record<string, unknown>;
  const number = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const promptDetails = record.prompt_tokens_details as Record<string, unknown> | undefined;
  const completionDetails = record.completion_tokens_details as Record<string, unknown> | undefined;
  return {
    promptTokens: number(record.prompt_tokens),
    completionTokens: number(record.completion_tokens),
    cachedTokens: number(promptDetails?.cached_tokens),
    reasoningTokens: number(completionDetails?.reasoning_tokens),
  };
}

/**
 * Token usage from the end of an OpenAI SSE stream: the last `data:` event that carries `usage`
 * (sent when the client asked for `stream_options.include_usage`, and by many providers anyway).
 */
export function openAIStreamUsage(tail: string): TokenUsage | null {
  const lines = tail.split("\n");
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index];
    if (!line.startsWith("data:") || !line.includes('"usage"')) continue;
    try {
      const usage = openAIUsage(JSON.parse(line.slice(5)));
      if (usage) return usage;
    } catch {
      // A partial line at the start of the tail: keep looking.
    }
  }
  return null;
}
