/**
 * Canonical content parts ↔ Gemini `Part`s, shared by requests and responses.
 *
 * Gemini signs parts with an opaque `thoughtSignature`: thought parts, but also the first
 * `functionCall` of a step and (Gemini 3) an empty trailing text part. Canonical parts carry a
 * signature on reasoning only, so a signature on any other part travels as a reasoning part with empty
 * text placed right before it, and goes back onto that next part on the way out.
 * https://ai.google.dev/gemini-api/docs/thought-signatures
 */
import {
  type CanonicalPart,
  type DocumentSource,
  type ImageSource,
  markSignature,
  signatureFor,
} from "../canonical.ts";
import type { GeminiPart } from "./schema.ts";
import { signatureCarrier } from "./signature_carrier.ts";
import type { GeminiToolMapping } from "./tool_mapping.ts";

type Json = Record<string, unknown>;
type ToolCallPart = Extract<CanonicalPart, { type: "tool-call" }>;
type ReasoningPart = Extract<CanonicalPart, { type: "reasoning" }>;

/** A Gemini part, or a thought signature that belongs to the part after it. */
export type PendingPart = { part: Json } | { signature: string };

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
};

const DOCUMENT_TYPES: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  txt: "text/plain",
  md: "text/markdown",
  html: "text/html",
  htm: "text/html",
  csv: "text/csv",
  xml: "text/xml",
  json: "application/json",
};

/**
 * A reasoning part → a thought part; signature-only reasoning waits for its part; unsigned is dropped
 * unless kept. Only signatures Gemini minted go back to it (see {@link signatureFor}).
 */
export function reasoningToGemini(
  part: ReasoningPart,
  options: { keepUnsigned: boolean; carryForeign?: boolean },
): PendingPart[] {
  const signature = signatureFor("gemini", part.signature) ?? "";
  // For a Gemini client, another provider's signed reasoning rides on the next part (see signature_carrier.ts).
  const carrier: PendingPart[] = options.carryForeign && signature === "" && part.signature
    ? [{ signature: signatureCarrier(part) }]
    : [];
  if (part.text === "") return signature === "" ? carrier : [{ signature }];
  // Gemini only takes back thoughts it signed itself; unsigned ones (e.g. another provider's) are dropped.
  if (signature === "") {
    return options.keepUnsigned ? [{ part: { text: part.text, thought: true } }, ...carrier] : carrier;
  }
  return [{ part: { text: part.text, thought: true, thoughtSignature: signature } }];
}

/** A tool call → a `functionCall` part. */
export function toolCallToGemini(part: ToolCallPart): Json {
  const call: Json = { name: part.name, args: part.input };
  if (part.id !== "") call.id = part.id;
  return { functionCall: call };
}

/** An image → `inlineData` (base64) or `fileData` (a URL; AI Studio only fetches Files API and YouTube URIs). */
export function imageToGemini(source: ImageSource): Json {
  if (source.kind === "base64") return { inlineData: { mimeType: source.mediaType, data: source.data } };
  return { fileData: { mimeType: mediaTypeOf(source.url, IMAGE_TYPES, "image/jpeg"), fileUri: source.url } };
}

/** A document → text wrapped in `<document>` tags, `inlineData` or `fileData`. */
export function documentToGemini(source: DocumentSource, title: string | undefined): Json {
  switch (source.kind) {
    case "text": {
      const attribute = title === undefined ? "" : ` title="${title.replaceAll('"', "&quot;")}"`;
      return { text: `<document${attribute}>${source.data}</document>` };
    }
    case "base64":
      return { inlineData: { mimeType: source.mediaType, data: source.data } };
    case "url":
      return {
        fileData: {
          mimeType: mediaTypeOf(source.url, DOCUMENT_TYPES, "application/pdf"),
          fileUri: source.url,
        },
      };
  }
}

/** Put each waiting signature on the part after it (or on an empty text part when none follows). */
export function placeSignatures(items: readonly PendingPart[]): Json[] {
  const parts: Json[] = [];
  let signature: string | null = null;
  for (const item of items) {
    if ("signature" in item) {
      if (signature !== null) parts.push({ text: "", thoughtSignature: signature });
      signature = item.signature;
      continue;
    }
    if (signature !== null && item.part.thoughtSignature === undefined) {
      parts.push({ ...item.part, thoughtSignature: signature });
    } else {
      if (signature !== null) parts.push({ text: "", thoughtSignature: signature });
      parts.push(item.part);
    }
    signature = null;
  }
  if (signature !== null) parts.push({ text: "", thoughtSignature: signature });
  return parts;
}

/** Options of {@link partsFromGemini}. */
export interface PartsFromGeminiOptions {
  /** How many function calls came before these parts. */
  firstCall: number;
  /** The id of the `index`th function call of the answer, for calls Gemini sent without one. */
  callId: (index: number) => string;
  /** How the request's tools were written for Gemini, to undo in its calls. @default calls read as sent */
  tools?: GeminiToolMapping;
}

/**
 * A candidate's parts → canonical text, reasoning and tool-call parts. A function call without an id
 * gets `callId(n)`, `n` counting the calls from `firstCall`; with `tools`, it gets the client's tool name
 * and arguments back. Other parts (inline images, code execution) have no canonical form in a response
 * and are skipped.
 */
export function partsFromGemini(
  parts: readonly GeminiPart[],
  options: PartsFromGeminiOptions,
): CanonicalPart[] {
  const content: CanonicalPart[] = [];
  let calls = options.firstCall;
  for (const part of parts) {
    const signature = markSignature("gemini", part.thoughtSignature ?? "");
    const text = part.text ?? "";
    if (part.thought === true) {
      if (text !== "" || signature !== "") {
        content.push(signature === "" ? { type: "reasoning", text } : { type: "reasoning", text, signature });
      }
      continue;
    }
    if (signature !== "") content.push({ type: "reasoning", text: "", signature });
    if (part.functionCall) {
      const { id, name } = part.functionCall;
      const args = part.functionCall.args ?? {};
      const call = options.tools?.callFromGemini(name, args) ?? { name, input: args };
      content.push({ type: "tool-call", id: id || options.callId(calls), ...call });
      calls++;
    } else if (text !== "") content.push({ type: "text", text });
  }
  return content;
}

/** The media type a URL's file extension stands for, or `fallback`. */
function mediaTypeOf(url: string, types: Readonly<Record<string, string>>, fallback: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // Not an absolute URL: read the extension off the text itself.
  }
  const dot = path.lastIndexOf(".");
  const extension = dot < 0 ? "" : path.slice(dot + 1).toLowerCase();
  return Object.hasOwn(types, extension) ? types[extension] : fallback;
}
