/**
 * The OpenAI embeddings wire format (`POST /v1/embeddings`): the client request schema, the canonical
 * {@link EmbeddingResult}, and translations to and from OpenAI JSON, including the `base64` encoding
 * (the little-endian float32 bytes of each vector). https://platform.openai.com/docs/api-reference/embeddings
 */
import { z } from "zod";
import { RequestError } from "../../errors.ts";

const INPUT_PROBLEM = "must be a string or an array of strings";
const text = z.string().min(1, "must not be an empty string");
const TOKEN_PROBLEM = "token ids must be non-negative integers";
const tokenArray = z.array(z.number().int(TOKEN_PROBLEM).nonnegative(TOKEN_PROBLEM), { error: INPUT_PROBLEM })
  .min(1, "must not contain an empty token array");

/** Strings, or token arrays (`number[]` is one input, `number[][]` several); never mixed, never empty. */
const input = z.union([
  text,
  z.array(text, { error: INPUT_PROBLEM }),
  tokenArray,
  z.array(tokenArray, { error: INPUT_PROBLEM }),
], { error: INPUT_PROBLEM }).refine(
  (value) => typeof value === "string" || value.length > 0,
  "must not be an empty array",
);

/** A `POST /v1/embeddings` body as a client sends it; unknown fields are kept. */
export const embeddingRequestSchema = z.object({
  model: z.string({ error: 'is required and must be a string such as "openai/text-embedding-3-small"' })
    .min(1, "must not be empty"),
  input,
  dimensions: z.number({ error: "must be a positive integer" }).int("must be a positive integer")
    .positive("must be a positive integer").optional(),
  encoding_format: z.enum(["float", "base64"], { error: 'must be "float" or "base64"' }).optional(),
  user: z.string({ error: "must be a string" }).optional(),
}).loose();

/** A validated embeddings request. */
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** The inputs as a list (a single string becomes one item). Token-array inputs stay as number[]. */
export function embeddingInputs(request: EmbeddingRequest): Array<string | number[]> {
  const value = request.input;
  if (typeof value === "string") return [value];
  if (value.length === 0) return [];
  if (typeof value[0] === "number") return [value as number[]];
  return [...(value as Array<string | number[]>)];
}

/** Canonical embeddings result. */
export interface EmbeddingResult {
  vectors: number[][];
  model: string;
  promptTokens: number;
}

/** An OpenAI embeddings answer as upstreams send it (loose). */
export const embeddingResponseSchema = z.object({
  data: z.array(
    z.object({
      index: z.number().int().nonnegative().optional(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }).loose(),
  ),
  model: z.string().optional(),
  usage: z.object({ prompt_tokens: z.number().optional() }).loose().nullish(),
}).loose();

/** OpenAI embeddings JSON → EmbeddingResult (vectors ordered by `index`; base64 answers decoded). Throws Error with a clear message on a malformed body. */
export function openAIEmbeddingsToResult(json: unknown): EmbeddingResult {
  const parsed = embeddingResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    throw new Error(`Malformed OpenAI embeddings response: ${path}: ${issue.message}`);
  }
  const entries = parsed.data.data.map((entry, position) => ({
    index: entry.index ?? position,
    vector: typeof entry.embedding === "string" ? decodeBase64Embedding(entry.embedding) : entry.embedding,
  }));
  entries.sort((a, b) => a.index - b.index);
  return {
    vectors: entries.map((entry) => entry.vector),
    model: parsed.data.model ?? "",
    promptTokens: parsed.data.usage?.prompt_tokens ?? 0,
  };
}

/** EmbeddingResult → OpenAI response JSON for the client, honouring encoding_format (base64 → little-endian float32 base64 strings), `model` is the name the client used. */
export function resultToOpenAIEmbeddings(
  result: EmbeddingResult,
  options: { model: string; encodingFormat?: "float" | "base64" },
): Record<string, unknown> {
  const { model, encodingFormat = "float" } = options;
  return {
    object: "list",
    data: result.vectors.map((vector, index) => ({
      object: "embedding",
      index,
      embedding: encodingFormat === "base64" ? encodeBase64Embedding(vector) : vector,
    })),
    model,
    usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
  };
}

/** Encode a vector as OpenAI's base64 (float32 little endian). */
export function encodeBase64Embedding(vector: number[]): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  let binary = "";
  // Chunked so that String.fromCharCode never receives more arguments than the engine allows.
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}

/** Decode OpenAI's base64 embedding (float32 little endian) into numbers. */
export function decodeBase64Embedding(encoded: string): number[] {
  let binary: string;
  try {
    binary = atob(encoded);
  } catch {
    throw new Error("Malformed OpenAI embeddings response: embedding is not valid base64");
  }
  if (binary.length % 4 !== 0) {
    throw new Error(
      "Malformed OpenAI embeddings response: base64 embedding is not a whole number of float32s",
    );
  }
  const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  return Array.from({ length: bytes.length / 4 }, (_, index) => view.getFloat32(index * 4, true));
}

/** The request body for an OpenAI-compatible upstream for a list of inputs (always asks for float; the proxy re-encodes). */
export function openAIEmbeddingsRequest(
  inputs: Array<string | number[]>,
  options: { model: string; dimensions?: number; user?: string },
): Record<string, unknown> {
  const { model, dimensions, user } = options;
  const texts = inputs.filter((item) => typeof item === "string").length;
  if (texts !== 0 && texts !== inputs.length) {
    throw new RequestError(400, "input: cannot mix strings and token arrays in one request", {
      param: "input",
    });
  }
  const body: Record<string, unknown> = { model, input: inputs, encoding_format: "float" };
  if (dimensions !== undefined) body.dimensions = dimensions;
  if (user !== undefined) body.user = user;
  return body;
}
