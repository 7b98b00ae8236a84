/**
 * Gemini `finishReason` values ↔ the canonical {@link FinishInfo}.
 * https://ai.google.dev/api/generate-content#FinishReason
 */
import type { FinishInfo, FinishReason } from "../canonical.ts";

/** What each Gemini finish reason means; a `STOP` after function calls becomes `tool-calls`. */
const UNIFIED: Readonly<Record<string, FinishReason>> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content-filter",
  RECITATION: "content-filter",
  BLOCKLIST: "content-filter",
  PROHIBITED_CONTENT: "content-filter",
  SPII: "content-filter",
  IMAGE_SAFETY: "content-filter",
  IMAGE_PROHIBITED_CONTENT: "content-filter",
  IMAGE_RECITATION: "content-filter",
  // The model wrote a function call that does not parse, or one of a tool it was not given.
  MALFORMED_FUNCTION_CALL: "error",
  UNEXPECTED_TOOL_CALL: "error",
  LANGUAGE: "other",
  OTHER: "other",
  FINISH_REASON_UNSPECIFIED: "other",
  TOO_MANY_TOOL_CALLS: "other",
  NO_IMAGE: "other",
  IMAGE_OTHER: "other",
};

/** A Gemini `finishReason` → canonical, keeping the raw value; `hasToolCalls` turns STOP into tool-calls. */
export function finishFromGemini(raw: string | null | undefined, hasToolCalls: boolean): FinishInfo {
  if (raw === null || raw === undefined) return { unified: "other", raw: null };
  const unified = UNIFIED[raw] ?? "other";
  return { unified: unified === "stop" && hasToolCalls ? "tool-calls" : unified, raw };
}

/**
 * Why a Gemini finish is a failure rather than an answer, or null when it is an answer. With
 * `MALFORMED_FUNCTION_CALL` (a function call that does not parse) or `UNEXPECTED_TOOL_CALL` (a call of a
 * tool it was not given) the candidate holds nothing usable: passed on as a normal end, the client would
 * get an empty success. `detail` is the candidate's `finishMessage`, when Gemini sent one.
 */
export function finishFailure(finish: FinishInfo, detail?: unknown): string | null {
  if (finish.unified !== "error") return null;
  const reason = `Gemini stopped with finishReason ${finish.raw ?? "unknown"}`;
  return typeof detail === "string" && detail !== "" ? `${reason}: ${detail.slice(0, 500)}` : reason;
}

/** A canonical finish → the nearest Gemini `finishReason` (a Gemini upstream's own value is kept). */
export function finishToGemini(finish: FinishInfo): string {
  const { raw, unified } = finish;
  if (
    raw !== null && Object.hasOwn(UNIFIED, raw) &&
    finishFromGemini(raw, unified === "tool-calls").unified === unified
  ) {
    return raw;
  }
  switch (unified) {
    case "length":
      return "MAX_TOKENS";
    case "content-filter":
      return "SAFETY";
    case "error":
    case "other":
      return "OTHER";
    default:
      // stop, stop-sequence, tool-calls and refusal: the model ended its answer itself.
      return "STOP";
  }
}
