/**
 * Gemini `GenerateContentResponse` objects ↔ the canonical response.
 * https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 */
import type { CanonicalPart, CanonicalResponse, FinishInfo } from "../canonical.ts";
import { emptyUsage, mergeUsage } from "../canonical.ts";
import { UnusableAnswerError } from "../answer_errors.ts";
import { finishFailure, finishFromGemini, finishToGemini } from "./finish_reason.ts";
import {
  partsFromGemini,
  type PendingPart,
  placeSignatures,
  reasoningToGemini,
  toolCallToGemini,
} from "./parts.ts";
import { geminiErrorSchema, type GeminiResponse, geminiResponseSchema } from "./schema.ts";
import { signatureCarrier } from "./signature_carrier.ts";
import type { GeminiToolMapping } from "./tool_mapping.ts";
import { usageFromGemini, usageToGemini } from "./usage.ts";

/** How to read a Gemini answer. */
export interface GeminiReadOptions {
  /**
   * How the request's tools were written for Gemini ({@link GeminiToolMapping}): function calls get the
   * client's tool names and arguments back. @default calls read as Gemini sent them
   */
  tools?: GeminiToolMapping;
}

/**
 * A Gemini response JSON → canonical, from its first candidate. A JSON array of responses (what
 * `streamGenerateContent` answers without `alt=sse`) is read as one answer. A prompt blocked before
 * any candidate (`promptFeedback.blockReason`) is an empty content-filter answer. Throws a plain Error
 * when `json` is an error body, holds no candidate, or ended in a failure ({@link finishFailure}).
 */
export function geminiResponseToCanonical(json: unknown, options: GeminiReadOptions = {}): CanonicalResponse {
  const { tools } = options;
  const chunks = (Array.isArray(json) ? json : [json]).map(readResponse);
  if (chunks.length === 0) throw new Error("The Gemini-format response is an empty array");
  const id = chunks.find((chunk) => chunk.responseId)?.responseId ?? randomId();
  const usage = emptyUsage();
  let content: CanonicalPart[] = [];
  let finishReason: string | null = null;
  let finishMessage: unknown;
  let blockReason: string | null = null;
  let candidates = 0;
  for (const chunk of chunks) {
    mergeUsage(usage, usageFromGemini(chunk.usageMetadata));
    if (chunk.promptFeedback?.blockReason) blockReason = chunk.promptFeedback.blockReason;
    const candidate = chunk.candidates?.find((entry) => (entry.index ?? 0) === 0);
    if (candidate === undefined) continue;
    candidates++;
    const calls = content.filter((part) => part.type === "tool-call").length;
    const parts = partsFromGemini(candidate.content?.parts ?? [], {
      firstCall: calls,
      callId: callIdMaker(id),
      tools,
    });
    content.push(...parts);
    if (candidate.finishReason) {
      finishReason = candidate.finishReason;
      finishMessage = candidate.finishMessage;
    }
  }
  if (candidates === 0 && blockReason === null) {
    throw new Error("The Gemini-format response holds no candidate (`candidates` is missing or empty)");
  }
  if (chunks.length > 1) content = joinFragments(content);
  const finish: FinishInfo = candidates === 0 && blockReason !== null
    ? { unified: "content-filter", raw: blockReason }
    : finishFromGemini(finishReason, content.some((part) => part.type === "tool-call"));
  const failure = finishFailure(finish, finishMessage);
  if (failure !== null) throw new UnusableAnswerError(failure);
  return {
    id,
    model: chunks.find((chunk) => chunk.modelVersion)?.modelVersion ?? "",
    content,
    finish,
    usage,
  };
}

/**
 * The id of a function call Gemini sent without one: unique per response, so the calls of later
 * turns never share an id with earlier ones.
 */
export function callIdMaker(responseId: string): (index: number) => string {
  return (index) => `call_${responseId}_${index}`;
}

/**
 * Canonical → a Gemini response JSON. With `carryForeign` (for Gemini clients), other providers' signed
 * and redacted reasoning travel in `thoughtSignature`s (see `signature_carrier.ts`).
 */
export function canonicalToGeminiResponse(
  response: CanonicalResponse,
  options: { carryForeign?: boolean } = {},
): Record<string, unknown> {
  const { carryForeign = false } = options;
  const pending: PendingPart[] = [];
  for (const part of response.content) {
    if (part.type === "text" && part.text !== "") pending.push({ part: { text: part.text } });
    else if (part.type === "reasoning") {
      pending.push(...reasoningToGemini(part, { keepUnsigned: true, carryForeign }));
    } else if (part.type === "redacted-reasoning" && carryForeign) {
      pending.push({ signature: signatureCarrier(part) });
    } else if (part.type === "tool-call") pending.push({ part: toolCallToGemini(part) });
  }
  return {
    candidates: [{
      content: { role: "model", parts: placeSignatures(pending) },
      finishReason: finishToGemini(response.finish),
      index: 0,
    }],
    usageMetadata: usageToGemini(response.usage),
    modelVersion: response.model,
    responseId: response.id,
  };
}

function readResponse(json: unknown): GeminiResponse {
  const failure = geminiErrorSchema.safeParse(json);
  if (failure.success) {
    const { message, status } = failure.data.error;
    throw new Error(`The Gemini-format response is an error: ${message ?? status ?? "unknown error"}`);
  }
  const parsed = geminiResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `The Gemini-format response is malformed at ${issue.path.join(".") || "body"}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** Chunks split text and thoughts into pieces: adjacent pieces of one kind are joined again. */
function joinFragments(content: CanonicalPart[]): CanonicalPart[] {
  const joined: CanonicalPart[] = [];
  for (const part of content) {
    const last = joined.at(-1);
    if (part.type === "text" && last?.type === "text") {
      joined[joined.length - 1] = { type: "text", text: last.text + part.text };
    } else if (
      part.type === "reasoning" && part.text !== "" && last?.type === "reasoning" && !last.signature
    ) {
      // A signature-only piece belongs to the part after it and is never joined.
      const text = last.text + part.text;
      joined[joined.length - 1] = part.signature ? { type: "reasoning", text, signature: part.signature } : {
        type: "reasoning",
        text,
      };
    } else joined.push(part);
  }
  return joined;
}

function randomId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
