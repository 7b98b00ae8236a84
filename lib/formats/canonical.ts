/**
 * The canonical hub every wire format translates to and from. A request in any format becomes a
 * {@link CanonicalRequest}; a response becomes a {@link CanonicalResponse}; a stream becomes a sequence
 * of {@link StreamPart}s. Formats never translate directly into each other.
 *
 * Token usage follows Anthropic's split: `inputTokens` excludes tokens read from or written to a prompt
 * cache, which are counted separately (OpenAI's `prompt_tokens` is their sum).
 */
import type { ErrorKind } from "../errors.ts";

/** Wire formats the proxy translates between. */
export type WireFormat = "openai" | "anthropic" | "gemini" | "responses";

/**
 * Reasoning signatures are opaque and valid only at the provider that minted them: Anthropic refuses a
 * thinking block it did not sign ("Invalid signature in thinking block"), and Gemini a thought signature
 * it did not. A conversation may move between providers (a client switching models, an alias falling
 * back), so a signature minted by a non-Anthropic provider leaves the proxy marked with its origin
 * (`gemini:…`; base64 signatures hold no colon), and goes back only to a provider of that format.
 * Anthropic's own signatures stay unmarked: Anthropic clients see them exactly as Anthropic sent them.
 */
export function markSignature(origin: WireFormat, signature: string): string {
  return origin === "anthropic" || signature === "" ? signature : `${origin}:${signature}`;
}

/** The signature as `target` minted it, or undefined when `target` did not mint it (or there is none). */
export function signatureFor(target: WireFormat, signature: string | undefined): string | undefined {
  if (!signature) return undefined;
  const colon = signature.indexOf(":");
  if (target === "anthropic") return colon < 0 ? signature : undefined;
  const prefix = `${target}:`;
  return signature.startsWith(prefix) && signature.length > prefix.length
    ? signature.slice(prefix.length)
    : undefined;
}

/** A piece of message content. */
export type CanonicalPart =
  | { type: "text"; text: string }
  | { type: "image"; source: ImageSource }
  | { type: "document"; source: DocumentSource; title?: string }
  | { type: "tool-call"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool-result"; toolCallId: string; content: Array<TextPart | ImagePart>; isError: boolean }
  | { type: "reasoning"; text: string; signature?: string }
  | { type: "redacted-reasoning"; data: string };

/** A text part. */
export type TextPart = Extract<CanonicalPart, { type: "text" }>;
/** An image part. */
export type ImagePart = Extract<CanonicalPart, { type: "image" }>;

/** Where an image comes from. */
export type ImageSource = { kind: "base64"; mediaType: string; data: string } | { kind: "url"; url: string };

/** Where a document comes from: plain text, base64 data (e.g. a PDF) or a URL. */
export type DocumentSource =
  | { kind: "text"; mediaType: string; data: string }
  | { kind: "base64"; mediaType: string; data: string }
  | { kind: "url"; url: string };

/** One turn of the conversation. System prompts are kept apart, tool results live in user turns. */
export interface CanonicalMessage {
  role: "user" | "assistant";
  content: CanonicalPart[];
}

/** A tool the model may call. */
export interface CanonicalTool {
  name: string;
  description?: string;
  /** JSON Schema of the input object. */
  inputSchema: Record<string, unknown>;
}

/** Whether and which tool the model must call. */
export type ToolChoice =
  | { type: "auto"; parallel?: boolean }
  | { type: "any"; parallel?: boolean }
  | { type: "tool"; name: string; parallel?: boolean }
  | { type: "none" };

/** Reasoning ("thinking") controls. */
export interface ReasoningControl {
  enabled: boolean;
  /** Token budget (Anthropic `thinking.budget_tokens`). */
  budgetTokens?: number;
  /** Effort (OpenAI `reasoning_effort`). */
  effort?: "minimal" | "low" | "medium" | "high";
}

/**
 * The shape the answer must take (OpenAI `response_format`): free text, any JSON object, or JSON
 * matching a schema. Formats that cannot constrain output must not drop it silently.
 */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
    type: "json_schema";
    /** The schema's name (OpenAI requires one; other formats may ignore it). */
    name: string;
    /** The JSON Schema the answer must match, as the client wrote it. */
    schema: Record<string, unknown>;
    description?: string;
    /** Whether the client asked for exact schema adherence (OpenAI `strict`). */
    strict?: boolean;
  };

/** A chat request in canonical form. */
export interface CanonicalRequest {
  /** The upstream model id (without our `provider/` prefix). */
  model: string;
  system: TextPart[];
  messages: CanonicalMessage[];
  tools: CanonicalTool[];
  toolChoice?: ToolChoice;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  stream: boolean;
  reasoning?: ReasoningControl;
  /** The shape of the answer; absent means free text. */
  responseFormat?: ResponseFormat;
  /** Sampling seed, for (best-effort) reproducible answers. */
  seed?: number;
  /** OpenAI-style penalty on tokens already present (-2..2; 0 means none). */
  presencePenalty?: number;
  /** OpenAI-style penalty scaled by how often a token already appeared (-2..2; 0 means none). */
  frequencyPenalty?: number;
  /** An end-user id (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
}

/** Why generation ended, unified across formats. */
export type FinishReason =
  | "stop"
  | "length"
  | "tool-calls"
  | "stop-sequence"
  | "content-filter"
  | "refusal"
  | "error"
  | "other";

/** The unified finish reason next to the upstream's own value. */
export interface FinishInfo {
  unified: FinishReason;
  raw: string | null;
  /** The stop sequence that ended generation, when known. */
  stopSequence?: string | null;
}

/** Token counts. */
export interface CanonicalUsage {
  /** Input tokens not read from or written to a cache. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  /** Output tokens spent on reasoning (part of `outputTokens`). */
  reasoningTokens: number;
}

/** A complete (non-streamed) answer. */
export interface CanonicalResponse {
  id: string;
  model: string;
  /** Text, tool-call, reasoning and redacted-reasoning parts, in order. */
  content: CanonicalPart[];
  finish: FinishInfo;
  usage: CanonicalUsage;
}

/** One event of a canonical stream. */
export type StreamPart =
  | { type: "start"; id: string; model: string; usage?: Partial<CanonicalUsage> }
  | { type: "text-delta"; text: string }
  | { type: "reasoning-delta"; text: string }
  /**
   * The signature of the reasoning streamed just before, or, when `standalone`, of a part without
   * reasoning text (Gemini signs its first function call): that one gets a thinking block of its own.
   */
  | { type: "reasoning-signature"; signature: string; standalone?: boolean }
  | { type: "redacted-reasoning"; data: string }
  /** A tool call begins; `index` tells calls of one message apart. */
  | { type: "tool-call-start"; index: number; id: string; name: string }
  /** More of a tool call's JSON arguments (a fragment, not necessarily valid JSON on its own). */
  | { type: "tool-call-delta"; index: number; argumentsDelta: string }
  /** Token counts so far (later values replace earlier ones field by field). */
  | { type: "usage"; usage: Partial<CanonicalUsage> }
  | { type: "finish"; finish: FinishInfo }
  /**
   * The upstream reported an error inside the stream. `kind` is what it means, read by the decoder from
   * the upstream's own error type, which `errorType` keeps as sent (a Gemini status, an Anthropic or
   * OpenAI type): encoders name the error by `kind` alone, so no format needs to know another's words.
   * Both are absent when the upstream named no type (or the decoder could not read its data): an
   * api_error. `blame: "model"` says the model's output was unusable (e.g. Gemini's
   * MALFORMED_FUNCTION_CALL): the credential is not at fault, and another call on it may well succeed, so
   * it is not cooled for it. Without `blame`, the upstream itself failed.
   */
  | { type: "error"; message: string; kind?: ErrorKind; errorType?: string; blame?: "model" };

/** All-zero usage. */
export function emptyUsage(): CanonicalUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, reasoningTokens: 0 };
}

/** Apply a partial usage update: present fields replace earlier values. */
export function mergeUsage(target: CanonicalUsage, update: Partial<CanonicalUsage>): CanonicalUsage {
  for (const key of Object.keys(update) as Array<keyof CanonicalUsage>) {
    const value = update[key];
    if (typeof value === "number" && Number.isFinite(value)) target[key] = value;
  }
  return target;
}

/** Append a turn, keeping turns alternating: a turn of the last one's role joins it, tool results first. */
export function appendTurn(
  messages: CanonicalMessage[],
  role: CanonicalMessage["role"],
  parts: CanonicalPart[],
): void {
  if (parts.length === 0) return;
  const last = messages.at(-1);
  if (last?.role !== role) {
    messages.push({ role, content: parts });
    return;
  }
  const content = [...last.content, ...parts];
  last.content = role === "assistant" ? content : [
    ...content.filter((part) => part.type === "tool-result"),
    ...content.filter((part) => part.type !== "tool-result"),
  ];
}
