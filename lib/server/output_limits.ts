/**
 * Output-token ceilings learned from upstream refusals. Clients ask for what suits their favourite
 * model (Claude Code asks for 32,000 tokens; gpt-4o stops at 16,384), and the upstream answers 400.
 * The ceiling is in the refusal's text, so the call is sent again once with the request's output
 * limit lowered to it, and later calls to the same provider and model are lowered up front.
 */
import type { WireFormat } from "../formats/canonical.ts";

/**
 * Refusal wordings that name the ceiling, by vendor (the number captured is the largest allowed value;
 * `exclusive` marks a bound one above it).
 */
const CEILING_WORDINGS: ReadonlyArray<{ pattern: RegExp; exclusive?: boolean }> = [
  // OpenAI: "max_tokens is too large: 32000. This model supports at most 16384 completion tokens, …"
  { pattern: /supports at most (\d+) completion tokens/i },
  // Anthropic: "max_tokens: 64000 > 32000, which is the maximum allowed number of output tokens for …"
  { pattern: /max_tokens: \d+ > (\d+), which is the maximum allowed/i },
  // DeepSeek: "Invalid max_tokens value, the valid range of max_tokens is [1, 8192]"
  { pattern: /valid range of max_tokens is \[\s*1\s*,\s*(\d+)\s*\]/i },
  // Groq: "`max_tokens` must be less than or equal to `8192`, the maximum value for `max_tokens` …"
  { pattern: /max(?:_completion)?_tokens`? must be less than or equal to `?(\d+)/i },
  // Gemini / Vertex: "… maxOutputTokens value of 100000 but the supported range is from 1 (inclusive) to 65537 (exclusive)"
  {
    pattern:
      /maxOutputTokens value of \d+ but the supported range is from 1 \(inclusive\) to (\d+) \(exclusive\)/i,
    exclusive: true,
  },
];

/** The ceiling named in an upstream's refusal body, or null when it names none. */
export function outputCeilingFrom(errorBody: string): number | null {
  for (const { pattern, exclusive } of CEILING_WORDINGS) {
    const match = pattern.exec(errorBody);
    if (!match) continue;
    const ceiling = Number(match[1]) - (exclusive ? 1 : 0);
    if (Number.isSafeInteger(ceiling) && ceiling > 0) return ceiling;
  }
  return null;
}

/** The body's output limit fields in `format`, as paths of keys. */
function limitPaths(format: WireFormat): ReadonlyArray<readonly string[]> {
  switch (format) {
    case "openai":
      return [["max_tokens"], ["max_completion_tokens"]];
    case "anthropic":
      return [["max_tokens"]];
    case "gemini":
      return [["generationConfig", "maxOutputTokens"]];
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

/** Ceilings learned so far, per provider and model. Memory only: a restart learns them again. */
export class OutputLimits {
  readonly #ceilings = new Map<string, number>();

  /** Remember `ceiling` for `provider`/`model`. */
  learn(provider: string, model: string, ceiling: number): void {
    this.#ceilings.set(`${provider}/${model}`, ceiling);
  }

  /** `body` lowered to the learned ceiling of `provider`/`model`, or `body` itself. */
  apply(provider: string, model: string, body: Record<string, unknown>, format: WireFormat) {
    const ceiling = this.#ceilings.get(`${provider}/${model}`);
    if (ceiling === undefined) return body;
    return clampOutputTokens(body, format, ceiling) ?? body;
  }
}
