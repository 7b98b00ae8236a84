/**
 * OpenAI `finish_reason` values ↔ the canonical {@link FinishInfo}.
 * https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
import type { FinishInfo } from "../canonical.ts";

/** The finish reasons an OpenAI client understands. */
export type OpenAIFinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/** An OpenAI `finish_reason` → canonical, keeping the raw value. */
export function finishFromOpenAI(raw: string | null | undefined): FinishInfo {
  if (raw === null || raw === undefined) return { unified: "other", raw: null };
  switch (raw) {
    case "stop":
      return { unified: "stop", raw };
    case "length":
      return { unified: "length", raw };
    case "tool_calls":
    case "function_call":
      return { unified: "tool-calls", raw };
    case "content_filter":
      return { unified: "content-filter", raw };
    default:
      return { unified: "other", raw };
  }
}

/** A canonical finish → the nearest OpenAI `finish_reason`. */
export function finishToOpenAI(finish: FinishInfo): OpenAIFinishReason {
  switch (finish.unified) {
    case "length":
      return "length";
    case "tool-calls":
      return "tool_calls";
    case "refusal":
    case "content-filter":
      return "content_filter";
    default:
      return "stop";
  }
}
