/**
 * Counting input tokens locally, for providers without a count endpoint. The bundled tokenizer
 * (o200k_base via gpt-tokenizer) is not the target model's own, so the count is an estimate of the
 * right size, which is what clients use it for (deciding when to compact a conversation).
 */
import type { CanonicalPart, CanonicalRequest, CanonicalUsage } from "./canonical.ts";

/** Tokens an image costs when its size is unknown (Anthropic's cap: about 1,600 for ~1.15 megapixels). */
const IMAGE_TOKENS = 1_600;
/** Framing tokens per message and per tool definition. */
const MESSAGE_OVERHEAD = 4;
const TOOL_OVERHEAD = 8;

type Counter = (text: string) => number;
let counter: Promise<Counter> | null = null;

/** The tokenizer, loaded on first use (its tables are large; start-up should not pay for them). */
function loadCounter(): Promise<Counter> {
  counter ??= import("gpt-tokenizer").then((module) => (text: string) => module.countTokens(text));
  return counter;
}

/** Estimate the input tokens of a canonical request. */
export async function countInputTokens(request: CanonicalRequest): Promise<number> {
  const count = await loadCounter();
  let total = 0;
  for (const part of request.system) total += count(part.text);
  for (const message of request.messages) {
    total += MESSAGE_OVERHEAD;
    for (const part of message.content) total += partTokens(part, count);
  }
  for (const tool of request.tools) {
    total += TOOL_OVERHEAD + count(tool.name) + count(tool.description ?? "") +
      count(JSON.stringify(tool.inputSchema));
  }
  return total;
}

/** Estimate the output tokens of an answer's content (text, reasoning, tool calls). */
export async function countOutputTokens(content: readonly CanonicalPart[]): Promise<number> {
  const count = await loadCounter();
  return content.reduce((sum, part) => sum + partTokens(part, count), 0);
}

/** Where {@link estimateMissingUsage} reads what it counts; each is called only when its count is missing. */
export interface UsageSources {
  /** The request as sent, or null when it cannot be had. */
  request: () => CanonicalRequest | null;
  /** The answer's content (a stream's output may come as one text part). */
  output: () => readonly CanonicalPart[];
}

/**
 * The counts an answer's usage lacks, estimated locally. Some OpenAI-compatible servers report no usage
 * at all, and clients read zero input tokens as an empty context (Claude Code then never compacts).
 * Only absent or zero counts are estimated (no real prompt or answer is zero tokens): the upstream's own
 * numbers are never replaced. Empty when nothing is missing, so the tokenizer is loaded only when needed.
 */
export async function estimateMissingUsage(
  usage: Partial<CanonicalUsage>,
  sources: UsageSources,
): Promise<Partial<CanonicalUsage>> {
  const estimate: Partial<CanonicalUsage> = {};
  const input = (usage.inputTokens ?? 0) + (usage.cacheReadTokens ?? 0) + (usage.cacheCreationTokens ?? 0);
  const request = input === 0 ? sources.request() : null;
  if (request !== null) {
    const inputTokens = await countInputTokens(request);
    if (inputTokens > 0) estimate.inputTokens = inputTokens;
  }
  const output = (usage.outputTokens ?? 0) === 0 ? sources.output() : [];
  if (output.length > 0) {
    const outputTokens = await countOutputTokens(output);
    if (outputTokens > 0) estimate.outputTokens = outputTokens;
  }
  return estimate;
}

function partTokens(part: CanonicalPart, count: Counter): number {
  switch (part.type) {
    case "text":
      return count(part.text);
    case "image":
      return IMAGE_TOKENS;
    case "document":
      return part.source.kind === "text" ? count(part.source.data) + count(part.title ?? "") : IMAGE_TOKENS;
    case "tool-call":
      return count(part.name) + count(JSON.stringify(part.input));
    case "tool-result":
      return part.content.reduce((sum, inner) => sum + partTokens(inner, count), 0);
    case "reasoning":
      return count(part.text);
    case "redacted-reasoning":
      return Math.ceil(part.data.length / 4);
  }
}
