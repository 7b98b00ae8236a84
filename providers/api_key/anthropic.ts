/**
 * Anthropic: the native Messages API with an `x-api-key` and a pinned `anthropic-version`.
 * https://docs.anthropic.com/en/api/messages — base URL is the host root (`https://api.anthropic.com`).
 */
import { signatureFor } from "../../lib/formats/canonical.ts";
import type { ChatRequestInput, ProviderAdapter, UpstreamRequest } from "../types.ts";
import { readModelList } from "./openai_compatible.ts";

/** The API version the proxy speaks (https://docs.anthropic.com/en/api/versioning). */
export const ANTHROPIC_VERSION = "2023-06-01";

function headers(input: Pick<ChatRequestInput, "auth" | "clientHeaders">, accept: string) {
  const result: Record<string, string> = {
    ...input.auth,
    "anthropic-version": ANTHROPIC_VERSION,
    "content-type": "application/json",
    "accept": accept,
  };
  // Beta flags enable features of the client's own format (e.g. interleaved thinking); they carry no credential.
  const beta = input.clientHeaders?.get("anthropic-beta");
  if (beta) result["anthropic-beta"] = beta;
  return result;
}

function messagesRequest(path: string, input: ChatRequestInput, stream: boolean): UpstreamRequest {
  return {
    url: `${input.baseUrl}${path}`,
    method: "POST",
    headers: headers(input, stream ? "text/event-stream" : "application/json"),
    body: JSON.stringify({ ...input.body, model: input.model }),
  };
}

/** Fields of https://docs.anthropic.com/en/api/messages-count-tokens (model is set separately). */
const COUNT_TOKENS_FIELDS = ["messages", "system", "tools", "tool_choice", "thinking", "mcp_servers"];

/**
 * Thinking blocks with an empty signature, or one another provider minted (`gemini:…`), come from turns
 * another provider answered; Anthropic refuses them, so they are left out of history.
 */
export function withoutUnsignedThinking(body: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(body.messages)) return body;
  let changed = false;
  const messages = body.messages.map((message) => {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) return message;
    const kept = content.filter((block) => {
      const record = block as { type?: unknown; signature?: unknown } | null;
      // Empty signatures, and those another provider minted (a conversation that moved here).
      return !(record?.type === "thinking" &&
        signatureFor("anthropic", typeof record.signature === "string" ? record.signature : "") ===
          undefined);
    });
    if (kept.length === content.length) return message;
    changed = true;
    return { ...(message as Record<string, unknown>), content: kept };
  });
  return changed ? { ...body, messages } : body;
}

/** The anthropic provider. */
export const anthropic: ProviderAdapter = {
  id: "anthropic",
  format: "anthropic",
  authKind: "api_key",
  defaultBaseUrl: "https://api.anthropic.com",
  authHeaders: (accessToken) => ({ "x-api-key": accessToken }),
  prepareBody: (body) => withoutUnsignedThinking(body),
  chatRequest: (input) => messagesRequest("/v1/messages", input, input.stream),
  countTokensRequest: (input) => {
    // The count endpoint takes only these fields and rejects extra ones (max_tokens, stream, sampling).
    const body: Record<string, unknown> = {};
    for (const field of COUNT_TOKENS_FIELDS) {
      if (input.body[field] !== undefined) body[field] = input.body[field];
    }
    return messagesRequest("/v1/messages/count_tokens", { ...input, body }, false);
  },
  // https://docs.anthropic.com/en/api/models-list: pages of up to 1000, `has_more` and `last_id`.
  modelsRequest: ({ baseUrl, auth, pageToken }) => ({
    url: `${baseUrl}/v1/models?limit=1000${pageToken ? `&after_id=${encodeURIComponent(pageToken)}` : ""}`,
    method: "GET",
    headers: { ...auth, "anthropic-version": ANTHROPIC_VERSION },
  }),
  parseModels: (json) => {
    const page = json as { has_more?: unknown; last_id?: unknown } | null;
    // Anthropic dates its models with `created_at` (RFC 3339), not OpenAI's `created` (epoch seconds).
    const createdAt = new Map<string, number>();
    const data = (json as { data?: unknown } | null)?.data;
    for (const entry of Array.isArray(data) ? data : []) {
      const { id, created_at } = (entry ?? {}) as { id?: unknown; created_at?: unknown };
      const ms = typeof created_at === "string" ? Date.parse(created_at) : NaN;
      if (typeof id === "string" && Number.isFinite(ms)) createdAt.set(id, Math.floor(ms / 1000));
    }
    const models = readModelList(json).map((model) => {
      const created = model.created ?? createdAt.get(model.id);
      return created === undefined
        ? { ...model, ownedBy: "anthropic" }
        : { ...model, created, ownedBy: "anthropic" };
    });
    const next = page?.has_more === true && typeof page.last_id === "string" ? page.last_id : null;
    return { models, nextPageToken: next };
  },
};
