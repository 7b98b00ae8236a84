/**
 * zod schemas of what Gemini's `generateContent` and `streamGenerateContent` send back: loose, so
 * fields added later pass through. https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 */
import { z } from "zod";

/** A `Part` of a candidate's content; exactly one data field is set, `thoughtSignature` may join any. */
export const geminiPartSchema = z.object({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: z.object({
    id: z.string().nullish(),
    name: z.string(),
    args: z.record(z.string(), z.unknown()).nullish(),
  }).loose().nullish(),
  inlineData: z.object({ mimeType: z.string(), data: z.string() }).loose().nullish(),
  fileData: z.object({ mimeType: z.string().nullish(), fileUri: z.string() }).loose().nullish(),
}).loose();

/** A Gemini response part. */
export type GeminiPart = z.infer<typeof geminiPartSchema>;

/** `usageMetadata`. https://ai.google.dev/api/generate-content#UsageMetadata */
export const geminiUsageSchema = z.object({
  promptTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
}).loose();

/** Gemini token counts. */
export type GeminiUsage = z.infer<typeof geminiUsageSchema>;

/** One `GenerateContentResponse`: a whole answer, or one chunk of a stream. */
export const geminiResponseSchema = z.object({
  candidates: z.array(
    z.object({
      content: z.object({
        role: z.string().nullish(),
        parts: z.array(geminiPartSchema).nullish(),
      }).loose().nullish(),
      finishReason: z.string().nullish(),
      index: z.number().nullish(),
    }).loose(),
  ).nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).loose().nullish(),
  usageMetadata: geminiUsageSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
}).loose();

/** A Gemini response or stream chunk. */
export type GeminiResponse = z.infer<typeof geminiResponseSchema>;

/** A Gemini candidate. */
export type GeminiCandidate = NonNullable<GeminiResponse["candidates"]>[number];

/** Google's error body (`{error: {code, message, status}}`), also sent as an SSE chunk mid-stream. */
export const geminiErrorSchema = z.object({
  error: z.object({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
  }).loose(),
}).loose();

/**
 * What a Gemini client may send to `generateContent` / `streamGenerateContent` / `countTokens`: the
 * fields the translation reads are checked (a clear 400 naming the field), the rest pass (safety
 * settings, cached content, labels: Google's own concerns, dropped for other providers).
 * https://ai.google.dev/api/generate-content#request-body
 */
export const geminiRequestSchema = z.object({
  contents: z.array(
    z.object({
      role: z.string().nullish(),
      parts: z.array(z.record(z.string(), z.unknown())),
    }).loose(),
    { error: "is required: an array of contents ({role, parts})" },
  ).min(1, "must hold at least one content"),
  systemInstruction: z.union([
    z.string(),
    z.object({ parts: z.array(z.record(z.string(), z.unknown())) }).loose(),
  ]).nullish(),
  tools: z.array(z.record(z.string(), z.unknown())).nullish(),
  toolConfig: z.record(z.string(), z.unknown()).nullish(),
  generationConfig: z.object({
    maxOutputTokens: z.number().int().nonnegative().nullish(),
    temperature: z.number().nullish(),
    topP: z.number().nullish(),
    topK: z.number().nullish(),
    candidateCount: z.number().int().nullish(),
    stopSequences: z.array(z.string()).nullish(),
    thinkingConfig: z.record(z.string(), z.unknown()).nullish(),
  }).loose().nullish(),
}).loose();

/** A Gemini request body as clients send it. */
export type GeminiRequest = z.infer<typeof geminiRequestSchema>;
