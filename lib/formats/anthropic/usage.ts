/** Reading token usage from the end of a passed-through Anthropic stream. */
import type { CanonicalUsage } from "../canonical.ts";
import { SseParser } from "../sse.ts";

/** The usage of the last `message_delta` event in `tail` (output counts; input ones when the upstream sends them). */
export function anthropicStreamUsage(tail: string): Partial<CanonicalUsage> | null {
  const parser = new SseParser();
  const events = [...parser.push(tail), ...parser.end()];
  for (let index = events.length - 1; index >= 0; index--) {
    if (events[index].event !== "message_delta") continue;
    try {
      const usage = JSON.parse(events[index].data).usage;
      if (usage === null || typeof usage !== "object") return null;
      const read = (value: unknown) => (typeof value === "number" ? value : undefined);
      return {
        inputTokens: read(usage.input_tokens),
        outputTokens: read(usage.output_tokens),
        cacheReadTokens: read(usage.cache_read_input_tokens),
        cacheCreationTokens: read(usage.cache_creation_input_tokens),
      };
    } catch {
      return null;
    }
  }
  return null;
}
