/**
 * The format registry: every wire format's codec, by name. Each format is one unit in its folder's
 * `mod.ts` (see {@link FormatCodec}); this file only registers them. Code that orchestrates a call
 * picks two codecs (the client's and the provider's) and never names a format's functions directly.
 */
import type { WireFormat } from "./canonical.ts";
import type { FormatCodec } from "./codec.ts";
import { anthropicFormat } from "./anthropic/mod.ts";
import { geminiFormat } from "./gemini/mod.ts";
import { openAIFormat } from "./openai/mod.ts";
import { responsesFormat } from "./responses/mod.ts";

export type { AnswerReader, FormatCodec, ProviderCodec } from "./codec.ts";

/** Formats clients may speak to the proxy: every format. */
export type CodecFormat = WireFormat;

/** The codecs of every format, by format. */
export const CODECS: Readonly<Record<WireFormat, FormatCodec>> = {
  openai: openAIFormat,
  anthropic: anthropicFormat,
  gemini: geminiFormat,
  responses: responsesFormat,
};

/** The codec of a format (a provider's native format, or a client's). */
export function providerCodec(format: WireFormat): FormatCodec {
  return CODECS[format];
}
