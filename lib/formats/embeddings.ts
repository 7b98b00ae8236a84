/** How each provider format asks for embeddings and answers them, behind one small interface. */
import type { WireFormat } from "./canonical.ts";
import { geminiBatchEmbedRequest, geminiEmbeddingsToResult } from "./gemini/embeddings.ts";
import {
  type EmbeddingResult,
  openAIEmbeddingsRequest,
  openAIEmbeddingsToResult,
} from "./openai/embeddings.ts";

/** Options of an embeddings request. */
export interface EmbeddingOptions {
  model: string;
  dimensions?: number;
  user?: string;
}

/** One format's embeddings translation. */
export interface EmbeddingCodec {
  /** The upstream body for `inputs`. */
  request(inputs: Array<string | number[]>, options: EmbeddingOptions): Record<string, unknown>;
  /** The upstream answer → vectors in input order, and tokens. */
  toResult(json: unknown, options: { model: string; inputs: Array<string | number[]> }): EmbeddingResult;
}

const CODECS: Partial<Record<WireFormat, EmbeddingCodec>> = {
  openai: {
    request: (inputs, options) => openAIEmbeddingsRequest(inputs, options),
    toResult: (json) => openAIEmbeddingsToResult(json),
  },
  gemini: {
    request: (inputs, options) => geminiBatchEmbedRequest(inputs, options),
    toResult: (json, options) => geminiEmbeddingsToResult(json, options),
  },
};

/** The embeddings codec of a format, or null when the format has no embeddings. */
export function embeddingCodec(format: WireFormat): EmbeddingCodec | null {
  return CODECS[format] ?? null;
}
