/**
 * Factory for providers that speak the OpenAI Chat Completions API with a Bearer key. Each such
 * provider is a few lines on top of this.
 */
import type { ProviderAdapter } from "../types.ts";

/** Options of {@link openAICompatible}. */
export interface OpenAICompatibleOptions {
  id: string;
  /** Base URL including the version, as the OpenAI SDK takes it (`https://api.openai.com/v1`). */
  baseUrl: string;
  /** Extra static headers the vendor asks for. @default {} */
  headers?: Record<string, string>;
}

/** Build an adapter for an OpenAI-compatible provider. */
export function openAICompatible(options: OpenAICompatibleOptions): ProviderAdapter {
  const { id, baseUrl, headers: extraHeaders = {} } = options;
  return {
    id,
    format: "openai",
    authKind: "api_key",
    defaultBaseUrl: baseUrl,
    chatRequest({ baseUrl, credential, model, body, stream }) {
      return {
        url: `${baseUrl}/chat/completions`,
        method: "POST",
        headers: {
          ...extraHeaders,
          "authorization": `Bearer ${credential.secret}`,
          "content-type": "application/json",
          "accept": stream ? "text/event-stream" : "application/json",
        },
        body: JSON.stringify({ ...body, model }),
      };
    },
    modelsRequest({ baseUrl, credential }) {
      return {
        url: `${baseUrl}/models`,
        method: "GET",
        headers: { ...extraHeaders, "authorization": `Bearer ${credential.secret}` },
      };
    },
    parseModels(json) {
      return readModelIds(json);
    },
  };
}

/** Model ids from an OpenAI-style listing `{ data: [{ id }] }` (a bare array is accepted too). */
export function readModelIds(json: unknown): string[] {
  const list = Array.isArray(json) ? json : (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(list)) return [];
  const ids: string[] = [];
  for (const entry of list) {
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id === "string" && id !== "") ids.push(id);
  }
  return ids;
}
