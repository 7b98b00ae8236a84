/** Reading token usage from OpenAI-format responses and streams, as canonical usage. */
import type { CanonicalUsage } from "../canonical.ts";

/**
 * The canonical usage of an OpenAI object carrying `usage` (a completion or a stream chunk), or null.
 * OpenAI's `prompt_tokens` includes the cached ones; canonical `inputTokens` does not.
 */
export function usageFromOpenAI(json: unknown): CanonicalUsage | null {
  const usage = (json as { usage?: unknown } | null)?.usage;
  if (usage === null || typeof usage !== "object") return null;
  const record = usage as Record<string, unknown>;
  const number = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const promptDetails = record.prompt_tokens_details as Record<string, unknown> | undefined;
  const completionDetails = record.completion_tokens_details as Record<string, unknown> | undefined;
  const cached = number(promptDetails?.cached_tokens);
  return {
    inputTokens: Math.max(0, number(record.prompt_tokens) - cached),
    outputTokens: number(record.completion_tokens),
    cacheReadTokens: cached,
    cacheCreationTokens: 0,
    reasoningTokens: number(completionDetails?.reasoning_tokens),
  };
}

/**
 * Token usage from the end of an OpenAI SSE stream: the last `data:` event that carries `usage`
 * (sent when the client asked for `stream_options.include_usage`, and by many providers anyway).
 */
export function openAIStreamUsage(tail: string): CanonicalUsage | null {
  const lines = tail.split("\n");
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index];
    if (!line.startsWith("data:") || !line.includes('"usage"')) continue;
    try {
      const usage = usageFromOpenAI(JSON.parse(line.slice(5)));
      if (usage) return usage;
    } catch {
      // A partial line at the start of the tail: keep looking.
    }
  }
  return null;
}
