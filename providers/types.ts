/**
 * The small adapter interface every provider implements: where its API lives, how a call is
 * authenticated, which wire format it speaks, and how its model list is read.
 */
import type { Credential } from "../lib/credentials/credential.ts";

/** Wire formats the proxy translates between. */
export type WireFormat = "openai" | "anthropic" | "gemini";

/** A fully built upstream HTTP request. */
export interface UpstreamRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

/** Input of {@link ProviderAdapter.chatRequest}. */
export interface ChatRequestInput {
  baseUrl: string;
  credential: Credential;
  /** The model id as the provider knows it (without our `provider/` prefix). */
  model: string;
  /** The request body in the adapter's native format, already cleaned of client-only fields. */
  body: Record<string, unknown>;
  stream: boolean;
  /** Request headers of the client, for adapters that honour feature flags of their own format. */
  clientHeaders?: Headers;
}

/** One provider: an endpoint plus auth that speaks one wire format. */
export interface ProviderAdapter {
  readonly id: string;
  readonly format: WireFormat;
  readonly authKind: "api_key" | "oauth";
  /** The vendor's base URL in the form its official SDK takes (see ARCHITECTURE.md). */
  readonly defaultBaseUrl: string;
  /** Build the upstream chat request for one credential. */
  chatRequest(input: ChatRequestInput): UpstreamRequest;
  /** Build the upstream request that lists models. */
  modelsRequest(input: { baseUrl: string; credential: Credential }): UpstreamRequest;
  /** Read model ids (without prefix) from the listing response. */
  parseModels(json: unknown): string[];
  /** Build the upstream request that counts input tokens, when the provider has one. */
  countTokensRequest?(input: ChatRequestInput): UpstreamRequest;
}
