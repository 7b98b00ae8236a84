/**
 * Gemini's batch embedding call, `POST models/{model}:batchEmbedContents`, to and from the canonical
 * {@link EmbeddingResult}. https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 */
import { z } from "zod";
import { RequestError } from "../../errors.ts";
import type { EmbeddingResult } from "../openai/embeddings.ts";

/** Most requests Gemini accepts in one batchEmbedContents call. */
export const GEMINI_EMBED_BATCH_LIMIT = 100;

/** A batchEmbedContents answer as Gemini sends it (loose). */
export const geminiBatchEmbedResponseSchema = z.object({
  embeddings: z.array(z.object({ values: z.array(z.number()) }).loose()),
}).loose();

/** Body of models/{model}:batchEmbedContents for string inputs (token arrays → RequestError 400: Gemini takes text only). */
export function geminiBatchEmbedRequest(
  inputs: Array<string | number[]>,
  options: { model: string; dimensions?: number },
): Record<string, unknown> {
  const { model, dimensions } = options;
  if (inputs.length > GEMINI_EMBED_BATCH_LIMIT) {
    throw new RequestError(
      400,
      `input: Gemini embeds at most ${GEMINI_EMBED_BATCH_LIMIT} inputs per call, got ${inputs.length}`,
      { param: "input" },
    );
  }
  // Every request in the batch names the model again, as `models/<id>`.
  const modelName = model.startsWith("models/") ? model : `models/${model}`;
  const requests = inputs.map((input) => {
    if (typeof input !== "string") {
      throw new RequestError(400, "input: Gemini embedding models take text only, not token arrays", {
        param: "input",
      });
    }
    const request: Record<string, unknown> = { model: modelName, content: { parts: [{ text: input }] } };
    if (dimensions !== undefined) request.outputDimensionality = dimensions;
    return request;
  });
  return { requests };
}

/** batchEmbedContents JSON → EmbeddingResult; promptTokens estimated as the sum of ceil(chars/4) of the inputs (Gemini does not report usage for embeddings). */
export function geminiEmbeddingsToResult(
  json: unknown,
  options: { model: string; inputs: Array<string | number[]> },
): EmbeddingResult {
  const { model, inputs } = options;
  const parsed = geminiBatchEmbedResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    throw new Error(`Malformed Gemini batchEmbedContents response: ${path}: ${issue.message}`);
  }
  const vectors = parsed.data.embeddings.map((embedding) => embedding.values);
  if (vectors.length !== inputs.length) {
    throw new Error(
      `Malformed Gemini batchEmbedContents response: ${vectors.length} embeddings for ${inputs.length} inputs`,
    );
  }
  return { vectors, model, promptTokens: estimatePromptTokens(inputs) };
}

/** About four characters per token for text; a token array counts its own length. */
function estimatePromptTokens(inputs: Array<string | number[]>): number {
  return inputs.reduce(
    (total, input) => total + (typeof input === "string" ? Math.ceil(input.length / 4) : input.length),
    0,
  );
}

const contentSchema = z.object({
  parts: z.array(
    z.object({ text: z.string({ error: "must be a string: embedding models take text" }) }).loose(),
  )
    .min(1, "must hold at least one text part"),
}).loose();

/** `models/{model}:embedContent` as clients send it. https://ai.google.dev/api/embeddings#method:-models.embedcontent */
export const geminiEmbedContentSchema = z.object({
  content: contentSchema,
  outputDimensionality: z.number().int().positive().nullish(),
}).loose();

/** `models/{model}:batchEmbedContents` as clients send it. */
export const geminiBatchEmbedContentsSchema = z.object({
  requests: z.array(geminiEmbedContentSchema).min(1, "must hold at least one request"),
}).loose();

/** What a Gemini embeddings call asks for: the texts in order, and the output size when one was named. */
export interface GeminiEmbedInputs {
  inputs: string[];
  dimensions?: number;
}

/** The text of a content: its text parts joined. */
function contentText(content: z.infer<typeof contentSchema>): string {
  return content.parts.map((part) => part.text).join("");
}

/** A validated embedContent body → its one input. */
export function embedContentInputs(body: z.infer<typeof geminiEmbedContentSchema>): GeminiEmbedInputs {
  const inputs = [contentText(body.content)];
  return body.outputDimensionality ? { inputs, dimensions: body.outputDimensionality } : { inputs };
}

/**
 * A validated batchEmbedContents body → its inputs. One call has one output size: requests that name
 * different sizes are refused rather than answered at the wrong size.
 */
export function batchEmbedContentsInputs(
  body: z.infer<typeof geminiBatchEmbedContentsSchema>,
): GeminiEmbedInputs {
  const sizes = new Set(body.requests.map((request) => request.outputDimensionality ?? undefined));
  if (sizes.size > 1) {
    throw new RequestError(400, "requests: every request must name the same outputDimensionality", {
      param: "requests",
    });
  }
  const [dimensions] = sizes;
  const inputs = body.requests.map((request) => contentText(request.content));
  return dimensions === undefined ? { inputs } : { inputs, dimensions };
}

/** Vectors → the answer of embedContent (`{embedding}`) or batchEmbedContents (`{embeddings}`). */
export function resultToGeminiEmbeddings(
  result: EmbeddingResult,
  method: "embedContent" | "batchEmbedContents",
): Record<string, unknown> {
  const embeddings = result.vectors.map((values) => ({ values }));
  return method === "embedContent" ? { embedding: embeddings[0] } : { embeddings };
}
