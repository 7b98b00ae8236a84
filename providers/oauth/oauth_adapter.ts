/**
 * What an OAuth provider adds to the adapter interface: auth headers from an access token (the seam of
 * the upstream client), per-credential metadata in requests (project, workspace, API host), answers
 * wrapped in an envelope, and failures only the vendor's own words explain.
 */
import type { AnyCredential } from "../../lib/credentials/credential.ts";
import type { SseEvent } from "../../lib/formats/sse.ts";
import type { ListedModel, ModelListPage, PrepareBodyContext, UpstreamRequest } from "../types.ts";

/** Authentication headers of one call. */
export type AuthHeaders = Readonly<Record<string, string>>;

/** Input of {@link OAuthProviderAdapter.chatRequest}. */
export interface OAuthChatRequestInput {
  baseUrl: string;
  /** For its metadata (project, workspace, API host); the token arrives as {@link auth}. */
  credential: AnyCredential;
  auth: AuthHeaders;
  model: string;
  body: Record<string, unknown>;
  stream: boolean;
  clientHeaders?: Headers;
}

/** Input of {@link OAuthProviderAdapter.modelsRequest}. */
export interface OAuthModelsRequestInput {
  baseUrl: string;
  credential: AnyCredential;
  auth: AuthHeaders;
  pageToken?: string;
}

/** Undoes an answer envelope (Code Assist's `{response: …}`) before the format's reader sees it. */
export interface AnswerEnvelope {
  /** A JSON answer → the format's own body. */
  unwrapJson(json: unknown): unknown;
  /** SSE events of the envelope → SSE events of the format. */
  unwrapEvents(): TransformStream<SseEvent, SseEvent>;
}

/** What the vendor's failure body says beyond the status. */
export interface VendorFailure {
  /** The account may serve again at this epoch ms (usage limits with a stated reset). */
  resetAtMs?: number;
  /** The model or the provider is busy; not the account's fault (no cooldown for the account). */
  providerBusy?: boolean;
}

/** An OAuth provider (and, for Qwen, its API keys too). */
export interface OAuthProviderAdapter {
  readonly id: string;
  /** The wire format the provider speaks (`responses` for OpenAI Codex). */
  readonly format: "openai" | "gemini" | "responses";
  readonly authKind: "oauth";
  readonly defaultBaseUrl: string;
  /** Headers that authenticate a call with `accessToken`. Pure. */
  authHeaders(accessToken: string, credential: AnyCredential): AuthHeaders;
  chatRequest(input: OAuthChatRequestInput): UpstreamRequest;
  modelsRequest(input: OAuthModelsRequestInput): UpstreamRequest;
  parseModels(json: unknown): ModelListPage;
  prepareBody?(body: Record<string, unknown>, context: PrepareBodyContext): Record<string, unknown>;
  countTokensRequest?(input: OAuthChatRequestInput): UpstreamRequest;
  readonly thinkTags?: boolean;
  readonly envelope?: AnswerEnvelope;
  /** The vendor answers only streams: JSON clients get the stream aggregated. */
  readonly streamOnly?: boolean;
  /** Read what only this vendor's failure bodies say. */
  readFailure?(status: number, body: string, nowMs: number): VendorFailure | null;
  /** Models served when the listing says nothing. */
  readonly fallbackModels?: readonly ListedModel[];
}
