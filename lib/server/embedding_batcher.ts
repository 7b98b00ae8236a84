/**
 * Merging of concurrent small embedding requests into fewer upstream calls. Embedding endpoints
 * take lists of inputs, and many clients send one input per request; one call for twenty inputs
 * costs one rate-limit slot instead of twenty.
 */
import type { Clock } from "../rotator/clock.ts";
import type { EmbeddingResult } from "../formats/openai/embeddings.ts";

/** Settings of an {@link EmbeddingBatcher}. */
export interface EmbeddingBatcherOptions {
  /** How long the first request of a batch waits for others to join. @default 20 */
  windowMs?: number;
  /** Largest number of inputs in one upstream call. @default 100 */
  maxBatch?: number;
  /** Timers of the batch window. */
  clock: Clock;
}

/** One upstream embeddings call for a list of inputs. */
export type EmbedFunction = (inputs: Array<string | number[]>) => Promise<EmbeddingResult>;

interface Member {
  inputs: Array<string | number[]>;
  resolve: (result: EmbeddingResult) => void;
  reject: (reason: unknown) => void;
}

interface Batch {
  groupKey: string;
  members: Member[];
  size: number;
  send: EmbedFunction;
  timer: unknown;
}

/**
 * Merges concurrent small embedding requests for the same key (provider+model+dimensions) arriving
 * within `windowMs` into one upstream call of at most `maxBatch` inputs, then splits the vectors back
 * in order. A failure of a merged call rejects only its members.
 *
 * A request larger than `maxBatch` is split into chunks of `maxBatch` inputs, each sent as its own
 * call (the last, smaller chunk may share a call with others), and the vectors are re-joined in order;
 * it fails if any of its chunks fails. A batch that reaches `maxBatch` inputs is sent at once.
 * Text and token-array inputs never share a call, even under the same key.
 */
export class EmbeddingBatcher {
  readonly #windowMs: number;
  readonly #maxBatch: number;
  readonly #clock: Clock;
  readonly #open = new Map<string, Batch>();

  constructor(options: EmbeddingBatcherOptions) {
    const { windowMs = 20, maxBatch = 100, clock } = options;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    }
    if (!(windowMs >= 0)) throw new RangeError(`windowMs must not be negative, got ${windowMs}`);
    this.#windowMs = windowMs;
    this.#maxBatch = maxBatch;
    this.#clock = clock;
  }

  /** Embed `inputs` with `send`, possibly together with other requests of the same `key`. promptTokens of the merged result are shared out in proportion to each member's inputs (integers, summing to the total). */
  async embed(key: string, inputs: Array<string | number[]>, send: EmbedFunction): Promise<EmbeddingResult> {
    if (inputs.length === 0) return await send(inputs);
    const groupKey = `${key}\u0000${inputKind(inputs)}`;
    return await embedInChunks(inputs, {
      size: this.#maxBatch,
      embed: (chunk) => this.#join(groupKey, chunk, send),
    });
  }

  /** Add a request of at most `maxBatch` inputs to the open batch of its group, or open one. */
  #join(groupKey: string, inputs: Array<string | number[]>, send: EmbedFunction): Promise<EmbeddingResult> {
    return new Promise((resolve, reject) => {
      let batch = this.#open.get(groupKey);
      if (batch && batch.size + inputs.length > this.#maxBatch) {
        this.#flush(batch);
        batch = undefined;
      }
      if (!batch) {
        const opened: Batch = { groupKey, members: [], size: 0, send, timer: undefined };
        opened.timer = this.#clock.setTimer(() => this.#flush(opened), this.#windowMs);
        this.#open.set(groupKey, opened);
        batch = opened;
      }
      batch.members.push({ inputs, resolve, reject });
      batch.size += inputs.length;
      if (batch.size === this.#maxBatch) this.#flush(batch);
    });
  }

  /** Close `batch` to newcomers, send it with its first member's function, and answer every member. */
  #flush(batch: Batch): void {
    if (this.#open.get(batch.groupKey) === batch) this.#open.delete(batch.groupKey);
    this.#clock.clearTimer(batch.timer);
    const { members, send } = batch;
    const inputs = members.flatMap((member) => member.inputs);
    // `then` so that a send function throwing synchronously still rejects only this batch.
    Promise.resolve().then(() => send(inputs)).then(
      (result) => {
        if (members.length === 1) return members[0].resolve(result);
        if (result.vectors.length !== inputs.length) {
          const error = new Error(
            `Embeddings upstream returned ${result.vectors.length} vectors for ${inputs.length} inputs`,
          );
          return members.forEach((member) => member.reject(error));
        }
        const shares = shareTokens(result.promptTokens, members.map((member) => member.inputs.length));
        let offset = 0;
        members.forEach((member, index) => {
          const vectors = result.vectors.slice(offset, offset + member.inputs.length);
          offset += member.inputs.length;
          member.resolve({ vectors, model: result.model, promptTokens: shares[index] });
        });
      },
      (error: unknown) => members.forEach((member) => member.reject(error)),
    );
  }
}

/** Options of {@link embedInChunks}. */
export interface EmbedInChunksOptions {
  /** Most inputs in one call. */
  size: number;
  /** Embeds one chunk. */
  embed: EmbedFunction;
}

/**
 * Embed `inputs` in chunks of at most `size` inputs, sent concurrently, and join the answers in input
 * order: vectors one after the other, prompt tokens summed. Upstreams cap the inputs of one call (Gemini
 * takes 100) while OpenAI clients send up to 2048. Fails when any chunk fails.
 */
export async function embedInChunks(
  inputs: Array<string | number[]>,
  options: EmbedInChunksOptions,
): Promise<EmbeddingResult> {
  const { size, embed } = options;
  if (!(size >= 1)) throw new RangeError(`size must be at least 1, got ${size}`);
  if (inputs.length <= size) return await embed(inputs);
  const chunks: Array<Promise<EmbeddingResult>> = [];
  for (let start = 0; start < inputs.length; start += size) {
    chunks.push(embed(inputs.slice(start, start + size)));
  }
  const results = await Promise.all(chunks);
  return {
    vectors: results.flatMap((result) => result.vectors),
    model: results[0].model,
    promptTokens: results.reduce((total, result) => total + result.promptTokens, 0),
  };
}

/** Split `total` tokens in proportion to `sizes`: whole numbers summing to `total` (largest remainder). */
export function shareTokens(total: number, sizes: number[]): number[] {
  const count = sizes.reduce((sum, size) => sum + size, 0);
  const whole = Math.max(0, Math.round(total));
  if (count === 0) return sizes.map((_, index) => (index === 0 ? whole : 0));
  const shares = sizes.map((size) => Math.floor((whole * size) / count));
  const remainders = sizes.map((size, index) => ({ index, remainder: (whole * size) % count }));
  remainders.sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  let left = whole - shares.reduce((sum, share) => sum + share, 0);
  for (const { index } of remainders) {
    if (left <= 0) break;
    shares[index] += 1;
    left -= 1;
  }
  return shares;
}

/** Which kind of inputs a request holds; calls never mix kinds, which upstreams would refuse. */
function inputKind(inputs: Array<string | number[]>): "text" | "tokens" | "mixed" {
  const texts = inputs.filter((input) => typeof input === "string").length;
  if (texts === inputs.length) return "text";
  return texts === 0 ? "tokens" : "mixed";
}
