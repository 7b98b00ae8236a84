/**
 * The small adapter interface every provider implements: where its API lives, how a call is
 * authenticated, which wire format it speaks, and how its model list is read.
 */
import type { Credential } from "../lib/credentials/credential.ts";

import type { WireFormat } from "../lib/formats/canonical.ts";
import type { SseEvent } from "../lib/formats/sse.ts";

export type { WireFormat };

/** A fully built upstream HTTP request. */
export interface UpstreamRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /**
   * The same call at other hosts of the vendor, tried in order when a host fails the way
   * {@link ProviderAdapter.tryNextHost} says (Antigravity: the daily host, then production).
   */
  fallbackUrls?: readonly string[];
}

/**
 * Authentication headers of one call, from {@link ProviderAdapter.authHeaders}. Request builders put them
 * in the request as they are and never read a credential's secret themselves.
 */
export type AuthHeaders = Readonly<Record<string, string>>;

/** Input of {@link ProviderAdapter.chatRequest}. */
export interface ChatRequestInput {
  baseUrl: string;
  /** The chosen credential, for its non-secret metadata only (the secret arrives as {@link auth}). */
  credential: Credential;
  /** The call's authentication headers. */
  auth: AuthHeaders;
  /** The model id as the provider knows it (without our `provider/` prefix). */
  model: string;
  /** The request body in the adapter's native format, already cleaned of client-only fields. */
  body: Record<string, unknown>;
  stream: boolean;
  /** Request headers of the client, for adapters that honour feature flags of their own format. */
  clientHeaders?: Headers;
}

/** Input of {@link ProviderAdapter.modelsRequest}. */
export interface ModelsRequestInput {
  baseUrl: string;
  /** The chosen credential, for its non-secret metadata only. */
  credential: Credential;
  /** The call's authentication headers. */
  auth: AuthHeaders;
  pageToken?: string;
}

/** One model of a provider's listing. */
export interface ListedModel {
  /** The id as the provider knows it (no `provider/` prefix). */
  id: string;
  /** Creation time in seconds, when the listing says. */
  created?: number;
  ownedBy?: string;
}

/** One page of a provider's model listing. */
export interface ModelListPage {
  models: ListedModel[];
  /** Pass back to {@link ProviderAdapter.modelsRequest} for the next page; null on the last. */
  nextPageToken: string | null;
}

/** Input of {@link ProviderAdapter.embeddingsRequest}. */
export interface EmbeddingsRequestInput {
  baseUrl: string;
  /** The chosen credential, for its non-secret metadata only. */
  credential: Credential;
  /** The call's authentication headers. */
  auth: AuthHeaders;
  model: string;
  /** The body in the adapter's native format. */
  body: Record<string, unknown>;
}

/** What {@link ProviderAdapter.prepareBody} may look at. */
export interface PrepareBodyContext {
  model: string;
  stream: boolean;
}

/** Undoes an answer envelope (Code Assist's `{response: …}`) before the format's reader sees the answer. */
export interface AnswerEnvelope {
  /** A JSON answer → the format's own body. */
  unwrapJson(json: unknown): unknown;
  /** SSE events of the envelope → SSE events of the format. */
  unwrapEvents(): TransformStream<SseEvent, SseEvent>;
}

/** What a vendor's failure body says beyond its status (see {@link ProviderAdapter.readFailure}). */
export interface VendorFailure {
  /** The credential may serve again at this epoch ms (a usage limit with a stated reset). */
  resetAtMs?: number;
  /** The model or provider is busy for everyone: not the credential's fault, so it is not cooled. */
  providerBusy?: boolean;
}

/** One provider: an endpoint plus auth that speaks one wire format. */
export interface ProviderAdapter {
  readonly id: string;
  /** The format the provider speaks; {@link ProviderAdapter.formatFor} may name another for some models. */
  readonly format: WireFormat;
  readonly authKind: "api_key" | "oauth";
  /** The vendor's base URL in the form its official SDK takes (see ARCHITECTURE.md). */
  readonly defaultBaseUrl: string;
  /**
   * The headers that authenticate a call with `accessToken` (an API key's secret, or an OAuth access
   * token that `authorize` produced). Pure: no I/O, no state.
   */
  authHeaders(accessToken: string, credential: Credential): AuthHeaders;
  /** Build the upstream chat request for one credential. */
  chatRequest(input: ChatRequestInput): UpstreamRequest;
  /** Build the upstream request that lists models (one page). */
  modelsRequest(input: ModelsRequestInput): UpstreamRequest;
  /** Read one page of the listing. */
  parseModels(json: unknown): ModelListPage;
  /** Build an embeddings request, when the provider offers embeddings. */
  embeddingsRequest?(input: EmbeddingsRequestInput): UpstreamRequest;
  /**
   * Quirks: adjust a chat body in the native format just before it is sent (a reasoning switch, a
   * field the provider rejects). Returns a new object; the input is not modified.
   */
  prepareBody?(body: Record<string, unknown>, context: PrepareBodyContext): Record<string, unknown>;
  /** The provider may wrap reasoning in `<think>…</think>` inside the text; split it out. */
  readonly thinkTags?: boolean;
  /**
   * API bases this provider calls besides `baseUrl` for these credentials (Qwen's accounts each name their
   * own host), for the server's network permissions. Absent: `baseUrl` is all it calls.
   */
  extraOrigins?(baseUrl: string, credentials: readonly Credential[]): string[];
  /** Build the upstream request that counts input tokens, when the provider has one. */
  countTokensRequest?(input: ChatRequestInput): UpstreamRequest;
  /** Answers come wrapped in the vendor's envelope (never passed through untouched). */
  readonly envelope?: AnswerEnvelope;
  /**
   * Models that share one quota per credential (Code Assist: the Pro and the Flash family), so that a
   * spent quota rests the whole group; `QUOTA_GROUPS_<PROVIDER>_<GROUP>` wins. Pure.
   */
  quotaGroup?(model: string): string | null;
  /** The vendor answers only streams (the Codex backend): JSON clients get the stream collected. */
  readonly streamOnly?: boolean;
  /**
   * Whether a failure of one host sends the same request to the next of its `fallbackUrls` (a host out of
   * capacity or unreachable) rather than to the rotator (a spent account). Pure. Absent: never.
   */
  tryNextHost?(failure: { kind: string; status: number; body: string }): boolean;
  /** What only this vendor's failure bodies say: a stated reset, or a model busy for everyone. */
  readFailure?(status: number, body: string, nowMs: number): VendorFailure | null;
  /**
   * The format a chat call to `model` speaks, when the provider serves some models through another API
   * than its {@link ProviderAdapter.format} (OpenAI's Responses-only models). Read it through
   * {@link formatOf}; `chatRequest`, `prepareBody` and the codecs all follow its answer.
   */
  formatFor?(model: string): WireFormat;
  /**
   * This adapter with the models served through the Responses API replaced by `patterns`
   * (`<PROVIDER>_RESPONSES_MODELS`: `*` wildcards; `default` stands for the provider's own list, `none`
   * for no model). Absent when the provider has no Responses API.
   */
  withResponsesModels?(patterns: readonly string[]): ProviderAdapter;
}

/** The wire format a chat call to `model` on this adapter speaks. */
export function formatOf(adapter: ProviderAdapter, model: string): WireFormat {
  return adapter.formatFor?.(model) ?? adapter.format;
}
