/**
 * Counting input tokens locally, for providers without a count endpoint. The bundled tokenizer
 * (o200k_base via gpt-tokenizer) is not the target model's own, so the count is an estimate of the
 * right size, which is what clients use it for (deciding when to compact a conversation).
 *
 * The work is bounded, so no request stalls the others: the tokenizer's BPE is superlinear on long
 * runs without a break (150 kB of one repeated character took 7–14 s, 20,000 CJK characters 21 s), so text
 * is counted in pieces of at most {@link PIECE_CHARACTERS}; at most {@link EXACT_CHARACTERS} characters
 * are counted exactly (pieces spread over the whole text beyond that, the rest extrapolated from them);
 * and the counting runs in a Worker in the server (loading the tokenizer alone blocks a thread for
 * about 1.7 s), or here with the event loop yielded to every few milliseconds.
 */
import type { CanonicalPart, CanonicalRequest, CanonicalUsage } from "./canonical.ts";

/** Tokens an image costs when its size is unknown (Anthropic's cap: about 1,600 for ~1.15 megapixels). */
const IMAGE_TOKENS = 1_600;
/** Framing tokens per message and per tool definition. */
const MESSAGE_OVERHEAD = 4;
const TOOL_OVERHEAD = 8;
/** Longest piece handed to the tokenizer at once (measured: ≤ a few ms for the worst inputs). */
export const PIECE_CHARACTERS = 512;
/** Characters counted exactly per count; beyond it, a spread sample is counted and the rest extrapolated. */
export const EXACT_CHARACTERS = 200_000;
/** Longest stretch of work before the event loop gets a turn. */
const SLICE_MS = 8;

/** Counts the tokens of pieces of text; the count is their sum. */
export type PieceCounter = (pieces: readonly string[]) => Promise<number>;

let tokenizer: Promise<(text: string) => number> | null = null;

/** The tokenizer, loaded on first use (its tables are large; start-up should not pay for them). */
function loadTokenizer(): Promise<(text: string) => number> {
  tokenizer ??= import("gpt-tokenizer").then((module) => (text: string) => module.countTokens(text));
  return tokenizer;
}

/**
 * Counting on this thread, yielding between pieces. Loading the tokenizer here blocks the thread for
 * about 1.7 s once; the server counts in a Worker instead (`token_worker.ts`).
 */
export const countPiecesHere: PieceCounter = async (pieces) => {
  const count = await loadTokenizer();
  let tokens = 0;
  let sliceStart = performance.now();
  for (const piece of pieces) {
    tokens += count(piece);
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      sliceStart = performance.now();
    }
  }
  return tokens;
};

let defaultCounter: PieceCounter = countPiecesHere;
const defaultNow = () => performance.now();

/** Where counts run unless a call says otherwise (the server sets a Worker's counter). */
export function setPieceCounter(counter: PieceCounter | null): void {
  defaultCounter = counter ?? countPiecesHere;
}

/** Texts to count plus tokens known without counting (images, framing). */
interface Tally {
  texts: string[];
  fixed: number;
}

/** Estimate the input tokens of a canonical request. */
export async function countInputTokens(request: CanonicalRequest): Promise<number> {
  const tally: Tally = { texts: [], fixed: 0 };
  for (const part of request.system) tally.texts.push(part.text);
  for (const message of request.messages) {
    tally.fixed += MESSAGE_OVERHEAD;
    for (const part of message.content) addPart(tally, part);
  }
  for (const tool of request.tools) {
    tally.fixed += TOOL_OVERHEAD;
    tally.texts.push(tool.name, tool.description ?? "", JSON.stringify(tool.inputSchema));
  }
  return tally.fixed + await countTexts(tally.texts);
}

/** Estimate the output tokens of an answer's content (text, reasoning, tool calls). */
export async function countOutputTokens(content: readonly CanonicalPart[]): Promise<number> {
  const tally: Tally = { texts: [], fixed: 0 };
  for (const part of content) addPart(tally, part);
  return tally.fixed + await countTexts(tally.texts);
}

/** Options of {@link countTexts}. */
export interface CountTextsOptions {
  /** Characters counted exactly. @default EXACT_CHARACTERS */
  exactCharacters?: number;
  /** @default the counter set by {@link setPieceCounter}, else this thread */
  counter?: PieceCounter;
  /** Milliseconds, read to decide when to yield (tests inject one). @default performance.now */
  now?: () => number;
}

/**
 * The tokens of `texts`, counted in pieces. Past `exactCharacters`, evenly spread pieces are counted
 * and the others estimated at their rate, so what is counted (and sent to a Worker) stays bounded.
 */
export async function countTexts(texts: readonly string[], options: CountTextsOptions = {}): Promise<number> {
  const { exactCharacters = EXACT_CHARACTERS, counter = defaultCounter, now = defaultNow } = options;
  const total = texts.reduce((sum, text) => sum + text.length, 0);
  if (total === 0) return 0;
  // Share of pieces counted; the credit below spreads them evenly over all texts.
  const share = Math.min(1, exactCharacters / total);
  let credit = 0;
  const pieces: string[] = [];
  let sampledCharacters = 0;
  let sliceStart = now();
  for (const text of texts) {
    for (let start = 0; start < text.length;) {
      const end = pieceEnd(text, start);
      credit += share;
      if (credit >= 1 || share === 1) {
        credit -= 1;
        pieces.push(text.slice(start, end));
        sampledCharacters += end - start;
      }
      start = end;
      if (now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        sliceStart = now();
      }
    }
  }
  const sampledTokens = await counter(pieces);
  if (sampledCharacters >= total) return sampledTokens;
  const rate = sampledCharacters === 0 ? 0.25 : sampledTokens / sampledCharacters;
  return sampledTokens + Math.round((total - sampledCharacters) * rate);
}

/**
 * Where the piece from `start` ends: at most {@link PIECE_CHARACTERS} on, before a space or line break
 * in its second half when there is one (words keep their tokens), never between a surrogate pair.
 */
function pieceEnd(text: string, start: number): number {
  const limit = start + PIECE_CHARACTERS;
  if (limit >= text.length) return text.length;
  // Searched by hand within the piece: lastIndexOf would scan back to the start of a text without spaces.
  for (let index = limit; index > start + PIECE_CHARACTERS / 2; index--) {
    const code = text.charCodeAt(index);
    if (code === 0x20 || code === 0x0a) return index;
  }
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/**
 * What an answer said, kept within bounds while it streams: its first {@link EXACT_CHARACTERS}
 * characters and the length of the rest, so a 50 MB answer costs a bounded sample, not 50 MB.
 */
export class OutputSample {
  #pieces: string[] = [];
  #kept = 0;
  #length = 0;

  /** Characters seen in all. */
  get length(): number {
    return this.#length;
  }

  /** Add text the answer said. */
  add(text: string): void {
    this.#length += text.length;
    const room = EXACT_CHARACTERS - this.#kept;
    if (room <= 0) return;
    const kept = text.length <= room ? text : text.slice(0, room);
    this.#pieces.push(kept);
    this.#kept += kept.length;
  }

  /** The kept beginning of the answer. */
  sample(): string {
    if (this.#pieces.length > 1) this.#pieces = [this.#pieces.join("")];
    return this.#pieces[0] ?? "";
  }

  /** Tokens counted in the sample → tokens of everything added (at the sample's rate). */
  scale(sampleTokens: number): number {
    return this.#length <= this.#kept ? sampleTokens : Math.round(sampleTokens * (this.#length / this.#kept));
  }
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

function addPart(tally: Tally, part: CanonicalPart): void {
  switch (part.type) {
    case "text":
    case "reasoning":
      tally.texts.push(part.text);
      return;
    case "image":
      tally.fixed += IMAGE_TOKENS;
      return;
    case "document":
      if (part.source.kind === "text") tally.texts.push(part.source.data, part.title ?? "");
      else tally.fixed += IMAGE_TOKENS;
      return;
    case "tool-call":
      tally.texts.push(part.name, JSON.stringify(part.input));
      return;
    case "tool-result":
      for (const inner of part.content) addPart(tally, inner);
      return;
    case "redacted-reasoning":
      tally.fixed += Math.ceil(part.data.length / 4);
      return;
  }
}
