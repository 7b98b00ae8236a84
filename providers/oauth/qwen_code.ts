/**
 * Qwen Code: API keys (`QWEN_CODE_API_KEY_<N>`, DashScope's OpenAI-compatible mode) and the device-flow
 * OAuth accounts, whose API host comes from the token's `resource_url`. Reasoning may leak as
 * `<think>` tags into the text (split out), tool schemas lose `strict`/`additionalProperties`, and the
 * system messages are merged into one at the top. See `shared/vendor-facts/codex-qwen-iflow.md` §1.
 * The free OAuth tier closed on 2026-04-15: OAuth accounts only work for whoever still has access.
 */
import type { AnyCredential } from "../../lib/credentials/credential.ts";
import { isRecord } from "../../lib/formats/json_values.ts";
import { readModelList } from "../api_key/openai_compatible.ts";
import type { ListedModel } from "../types.ts";
import type { OAuthProviderAdapter } from "./oauth_adapter.ts";

/** DashScope's compatible-mode base: API keys, and OAuth tokens that name no host (qwen-code). */
export const DASHSCOPE_BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1";
/** The host OAuth tokens name (`resource_url: "portal.qwen.ai"`). */
export const QWEN_PORTAL_BASE = "https://portal.qwen.ai/v1";

/** qwen-code 0.14 as CLIProxyAPI copied it. */
const USER_AGENT = "QwenCode/0.14.2 (darwin; arm64)";

/** Models Qwen OAuth served (qwen-code `QWEN_OAUTH_MODELS`, Mirrowel's list). */
export const QWEN_CODE_MODELS: readonly ListedModel[] = [
  "coder-model",
  "qwen3-coder-plus",
  "qwen3-coder-flash",
]
  .map((id) => ({ id, ownedBy: "qwen" }));

/** Fields Qwen takes (Mirrowel forwards only these; DashScope refuses some others). */
const FORWARDED = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "stream",
  "stream_options",
  "tools",
  "tool_choice",
  "presence_penalty",
  "frequency_penalty",
  "n",
  "stop",
  "seed",
  "response_format",
]);

/**
 * The API base of a credential: `resource_url` with `https://` added when it has no scheme and `/v1`
 * appended unless present (qwen-code `getCurrentEndpoint`); the portal host when the token names none.
 */
export function qwenBaseUrl(credential: AnyCredential, configuredBase: string): string {
  if (credential.kind !== "oauth") return configuredBase;
  // A `QWEN_CODE_API_BASE` (tests, mirrors) wins over what the token names.
  if (configuredBase !== DASHSCOPE_BASE) return configuredBase;
  const resource = credential.metadata.resourceUrl;
  if (!resource) return QWEN_PORTAL_BASE;
  const withScheme = /^https?:\/\//i.test(resource) ? resource : `https://${resource}`;
  const trimmed = withScheme.replace(/\/+$/, "");
  return trimmed.endsWith("/v1") ? trimmed : `${trimmed}/v1`;
}

/** Remove `strict` and `additionalProperties` at every depth of a JSON Schema. */
export function cleanToolSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleanToolSchema);
  if (!isRecord(value)) return value;
  const cleaned: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "strict" || key === "additionalProperties") continue;
    cleaned[key] = cleanToolSchema(child);
  }
  return cleaned;
}

/**
 * Qwen's quirks: only the fields it takes, exactly one system message first ("Qwen's strict message
 * ordering rules", CLIProxyAPI `ensureQwenSystemMessage`), tool schemas cleaned.
 */
export function fitQwenBody(body: Record<string, unknown>): Record<string, unknown> {
  const fitted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (FORWARDED.has(key)) fitted[key] = value;
  if (Array.isArray(fitted.messages)) {
    const messages = fitted.messages as unknown[];
    const system = messages.filter((message) => isRecord(message) && message.role === "system");
    if (system.length > 1 || (system.length === 1 && messages[0] !== system[0])) {
      const text = system.map((message) => textOf((message as Record<string, unknown>).content)).join("\n\n");
      fitted.messages = [
        { role: "system", content: text },
        ...messages.filter((message) => !(isRecord(message) && message.role === "system")),
      ];
    }
  }
  if (Array.isArray(fitted.tools)) fitted.tools = fitted.tools.map(cleanToolSchema);
  return fitted;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => isRecord(part) && typeof part.text === "string" ? part.text : "").join("");
}

/** Headers qwen-code sends for OAuth accounts (`dashscope.ts buildHeaders`). */
function oauthHeaders(credential: AnyCredential): Record<string, string> {
  if (credential.kind !== "oauth") return {};
  return {
    "user-agent": USER_AGENT,
    "x-dashscope-cachecontrol": "enable",
    "x-dashscope-useragent": USER_AGENT,
    "x-dashscope-authtype": "qwen-oauth",
  };
}

/** The qwen_code provider. */
export const qwenCode: OAuthProviderAdapter = {
  id: "qwen_code",
  format: "openai",
  authKind: "oauth",
  defaultBaseUrl: DASHSCOPE_BASE,
  authHeaders: (accessToken) => ({ authorization: `Bearer ${accessToken}` }),
  prepareBody: (body) => fitQwenBody(body),
  thinkTags: true,
  chatRequest({ baseUrl, credential, auth, model, body, stream }) {
    const request: Record<string, unknown> = { ...body, model };
    // finish_reason and usage arrive in separate chunks; usage only when asked for.
    if (stream) {
      request.stream_options = {
        ...(isRecord(body.stream_options) ? body.stream_options : {}),
        include_usage: true,
      };
    }
    return {
      url: `${qwenBaseUrl(credential, baseUrl)}/chat/completions`,
      method: "POST",
      headers: {
        ...oauthHeaders(credential),
        ...auth,
        "content-type": "application/json",
        "accept": stream ? "text/event-stream" : "application/json",
      },
      body: JSON.stringify(request),
    };
  },
  modelsRequest({ baseUrl, credential, auth }) {
    return {
      url: `${qwenBaseUrl(credential, baseUrl)}/models`,
      method: "GET",
      headers: { ...oauthHeaders(credential), ...auth },
    };
  },
  parseModels(json) {
    const models = readModelList(json);
    return { models: models.length > 0 ? models : [...QWEN_CODE_MODELS], nextPageToken: null };
  },
  fallbackModels: QWEN_CODE_MODELS,
};
