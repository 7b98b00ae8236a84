/**
 * Anthropic `stop_reason` values ↔ the canonical {@link FinishInfo}.
 * https://docs.anthropic.com/en/api/handling-stop-reasons
 */
import type { FinishInfo } from "../canonical.ts";

/** An Anthropic `stop_reason` (and the matched `stop_sequence`) → canonical, keeping the raw value. */
export function finishFromAnthropic(
  raw: string | null | undefined,
  stopSequence?: string | null,
): FinishInfo {
  if (raw === null || raw === undefined) return { unified: "other", raw: null };
  switch (raw) {
    case "end_turn":
      return { unified: "stop", raw };
    case "max_tokens":
    // The context window filled up before `max_tokens` was reached: a length stop all the same.
    case "model_context_window_exceeded":
      return { unified: "length", raw };
    case "stop_sequence":
      return { unified: "stop-sequence", raw, stopSequence: stopSequence ?? null };
    case "tool_use":
      return { unified: "tool-calls", raw };
    case "refusal":
      return { unified: "refusal", raw };
    default:
      // `pause_turn` (a long server-tool turn to be continued) and values added later.
      return { unified: "other", raw };
  }
}

/** A canonical finish → the nearest Anthropic `stop_reason` and `stop_sequence`. */
export function finishToAnthropic(finish: FinishInfo): { stopReason: string; stopSequence: string | null } {
  // An Anthropic upstream's own value survives the round trip when it means the same thing
  // (`pause_turn` tells Claude Code to continue the turn; `end_turn` would end it).
  if (finish.raw !== null && finish.raw !== "stop_sequence") {
    const own = finishFromAnthropic(finish.raw);
    if (own.unified === finish.unified && isAnthropicStopReason(finish.raw)) {
      return { stopReason: finish.raw, stopSequence: null };
    }
  }
  switch (finish.unified) {
    case "length":
      return { stopReason: "max_tokens", stopSequence: null };
    case "tool-calls":
      return { stopReason: "tool_use", stopSequence: null };
    case "stop-sequence":
      return { stopReason: "stop_sequence", stopSequence: finish.stopSequence ?? null };
    case "refusal":
    case "content-filter":
      return { stopReason: "refusal", stopSequence: null };
    default:
      return { stopReason: "end_turn", stopSequence: null };
  }
}

const STOP_REASONS = new Set([
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "model_context_window_exceeded",
]);

function isAnthropicStopReason(value: string): boolean {
  return STOP_REASONS.has(value);
}
