/**
 * The session hint a client sends with a chat call, by its format: what the rotator keeps one conversation
 * on one key by (`SESSION_AFFINITY`), so that the provider's prompt cache, kept per key, is read again.
 */
import type { WireFormat } from "../formats/canonical.ts";
import { isRecord } from "../formats/json_values.ts";

/**
 * OpenAI's `prompt_cache_key` (Chat Completions and Responses), else `user`, which it replaced as the
 * caching hint; Anthropic's `metadata.user_id` (Claude Code's names the session). Gemini requests carry none.
 * https://platform.openai.com/docs/guides/prompt-caching
 * https://docs.anthropic.com/en/api/messages#body-metadata
 */
export function sessionHintOf(format: WireFormat, body: Record<string, unknown>): string | undefined {
  switch (format) {
    case "openai":
    case "responses":
      return nonEmpty(body.prompt_cache_key) ?? nonEmpty(body.user);
    case "anthropic":
      return isRecord(body.metadata) ? nonEmpty(body.metadata.user_id) : undefined;
    default:
      return undefined;
  }
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
