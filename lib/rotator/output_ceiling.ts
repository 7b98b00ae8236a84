/**
 * What a refusal of the output limit says: clients ask for what suits their favourite model (Claude Code
 * asks for 32,000 tokens; gpt-4o stops at 16,384), the upstream answers 400 and names its ceiling.
 */
import { readUpstreamErrorBody, type UpstreamError } from "../errors.ts";

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

/**
 * Ceilings below this are not believed: no chat model stops that early, and a refusal may quote the
 * client's own input back ("Invalid value: '…'"), which must not set a ceiling for everyone.
 */
const SMALLEST_CEILING = 256;

/** The ceiling a 400 refusal of the output limit names, or null when it names none. */
export function outputCeilingOf(error: UpstreamError): number | null {
  if (error.status !== 400) return null;
  // The vendor's message only: the rest of the body may echo what the client sent.
  const message = readUpstreamErrorBody(error.body).message ?? "";
  for (const { pattern, exclusive } of CEILING_WORDINGS) {
    const match = pattern.exec(message);
    if (!match) continue;
    const ceiling = Number(match[1]) - (exclusive ? 1 : 0);
    if (Number.isSafeInteger(ceiling) && ceiling >= SMALLEST_CEILING) return ceiling;
  }
  return null;
}
