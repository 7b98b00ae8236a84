/** Where each wire format keeps a request's output limit, and lowering it. */
import type { WireFormat } from "./canonical.ts";

/** The body's output limit fields in `format`, as paths of keys. */
function limitPaths(format: WireFormat): ReadonlyArray<readonly string[]> {
  switch (format) {
    case "openai":
      return [["max_tokens"], ["max_completion_tokens"]];
    case "anthropic":
      return [["max_tokens"]];
    case "gemini":
      return [["generationConfig", "maxOutputTokens"]];
    case "responses":
      return [["max_output_tokens"]];
  }
}

/**
 * `body` with every output limit above `ceiling` lowered to it, or null when nothing was above it
 * (so a refusal that resending would not cure is passed on as it is).
 */
export function clampOutputTokens(
  body: Record<string, unknown>,
  format: WireFormat,
  ceiling: number,
): Record<string, unknown> | null {
  let result: Record<string, unknown> | null = null;
  for (const path of limitPaths(format)) {
    const [first, second] = path;
    if (second === undefined) {
      const value = (result ?? body)[first];
      if (typeof value === "number" && value > ceiling) result = { ...(result ?? body), [first]: ceiling };
      continue;
    }
    const inner = (result ?? body)[first];
    if (inner === null || typeof inner !== "object") continue;
    const value = (inner as Record<string, unknown>)[second];
    if (typeof value === "number" && value > ceiling) {
      result = { ...(result ?? body), [first]: { ...inner, [second]: ceiling } };
    }
  }
  return result;
}
