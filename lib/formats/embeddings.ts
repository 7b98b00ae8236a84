/** How a provider format asks for embeddings and answers them, behind one small interface. */
import type { WireFormat } from "./canonical.ts";
import type { EmbeddingResult } from "./openai/embeddings.ts";
import { providerCodec } from "./mod.ts";

/** Options of an embeddings request. */
export interface EmbeddingOptions {
  model: string;
  dimensions?: number;
  user?: string;
}

/** One format's embeddings translation (a format codec's `embeddings`). */
export interface EmbeddingCodec {
  /** The upstream body for `inputs`. */
  request(inputs: Array<string | number[]>, options: EmbeddingOptions): Record<string, unknown>;
  /** The upstream answer → vectors in input order, and tokens. */
  toResult(json: unknown, options: { model: string; inputs: Array<string | number[]> }): EmbeddingResult;
  /** Most inputs one upstream call takes, when the format sets a limit. @default no limit */
  readonly inputsPerCall?: number;
}

/** The embeddings codec of a format, or null when the format has no embeddings. */
export function embeddingCodec(format: WireFormat): EmbeddingCodec | null {
  return providerCodec(format).embeddings ?? null;
}
