/**
 * Gemini `usageMetadata` ↔ canonical usage. Gemini's `promptTokenCount` includes the cached tokens
 * and `candidatesTokenCount` excludes the thinking ones (`thoughtsTokenCount`).
 * https://ai.google.dev/api/generate-content#UsageMetadata
 */
import type { CanonicalUsage } from "../canonical.ts";
import type { GeminiUsage } from "./schema.ts";

/** The canonical fields a `usageMetadata` object gives (absent counts are left out). */
export function usageFromGemini(usage: GeminiUsage | null | undefined): Partial<CanonicalUsage> {
  if (usage === null || usage === undefined) return {};
  const count = (value: number | null | undefined) => typeof value === "number" ? value : undefined;
  const prompt = count(usage.promptTokenCount);
  const cached = count(usage.cachedContentTokenCount);
  const toolPrompt = count(usage.toolUsePromptTokenCount);
  const candidates = count(usage.candidatesTokenCount);
  const thoughts = count(usage.thoughtsTokenCount);
  const result: Partial<CanonicalUsage> = {};
  if (prompt !== undefined) {
    // Built-in tool prompts (search results, …) are billed as input as well.
    result.inputTokens = Math.max(0, prompt - (cached ?? 0)) + (toolPrompt ?? 0);
    result.cacheReadTokens = cached ?? 0;
    result.cacheCreationTokens = 0;
  }
  if (candidates !== undefined || thoughts !== undefined) {
    result.outputTokens = (candidates ?? 0) + (thoughts ?? 0);
    result.reasoningTokens = thoughts ?? 0;
  }
  return result;
}

/** Canonical usage → a Gemini `usageMetadata` object. */
export function usageToGemini(usage: CanonicalUsage): Record<string, unknown> {
  const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;
  const metadata: Record<string, unknown> = {
    promptTokenCount: prompt,
    candidatesTokenCount: Math.max(0, usage.outputTokens - usage.reasoningTokens),
    totalTokenCount: prompt + usage.outputTokens,
  };
  if (usage.cacheReadTokens > 0) metadata.cachedContentTokenCount = usage.cacheReadTokens;
  if (usage.reasoningTokens > 0) metadata.thoughtsTokenCount = usage.reasoningTokens;
  return metadata;
}

/**
 * The usage of a Gemini answer passed through untouched (a response, or the array `streamGenerateContent`
 * answers without `alt=sse`): its last `usageMetadata`, or null.
 */
export function usageOfGeminiAnswer(json: unknown): Partial<CanonicalUsage> | null {
  const chunks = Array.isArray(json) ? json : [json];
  for (let index = chunks.length - 1; index >= 0; index--) {
    const usage = (chunks[index] as { usageMetadata?: unknown } | null)?.usageMetadata;
    if (usage !== null && typeof usage === "object") return usageFromGemini(usage as GeminiUsage);
  }
  return null;
}

/** The usage of the last `data:` event carrying `usageMetadata` in the end of a Gemini stream, or null. */
export function geminiStreamUsage(tail: string): Partial<CanonicalUsage> | null {
  const lines = tail.split(/\r?\n/);
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index];
    if (!line.startsWith("data:") || !line.includes('"usageMetadata"')) continue;
    try {
      const usage = usageOfGeminiAnswer(JSON.parse(line.slice(5)));
      if (usage) return usage;
    } catch {
      // A partial line at the start of the tail: keep looking.
    }
  }
  return null;
}
