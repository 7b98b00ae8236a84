/**
 * Antigravity accounts: the Code Assist envelope with Antigravity's own client, headers and request
 * fields, Claude and Gemini models behind it, the model list read from `fetchAvailableModels`, and
 * thought signatures kept per tool call. See `shared/vendor-facts/google-code-assist.md` §4, §7, §9.
 */
import { randomUUID } from "node:crypto";
import {
  ANTIGRAVITY_USER_AGENT,
  CODE_ASSIST_DAILY,
  CODE_ASSIST_PROD,
} from "../../lib/credentials/code_assist_setup.ts";
import { isRecord } from "../../lib/formats/json_values.ts";
import type { ListedModel } from "../types.ts";
import {
  codeAssistEnvelope,
  codeAssistQuotaGroup,
  codeAssistUrl,
  innerRequest,
  projectOf,
  readCodeAssistFailure,
} from "./code_assist.ts";
import type { OAuthProviderAdapter } from "./oauth_adapter.ts";
import { ThoughtSignatures } from "./thought_signatures.ts";

/** Internal entries of `fetchAvailableModels` that are not chat models (CLIProxyAPI, Antigravity-Manager). */
const HIDDEN_MODELS = new Set([
  "chat_20706",
  "chat_23310",
  "tab_flash_lite_preview",
  "tab_jump_flash_lite_preview",
  "gemini-2.5-flash-thinking",
  "gemini-2.5-pro",
]);

/** Claude ids always carry the vendor's name. */
export function isClaudeModel(model: string): boolean {
  return /claude/i.test(model);
}

/**
 * A stable `-<decimal>` session id per conversation: derived from the first user text, as CLIProxyAPI
 * does, so the backend's caching sees one session.
 */
export function sessionIdOf(body: Record<string, unknown>): string {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  const first = contents.find((content) => isRecord(content) && content.role === "user");
  const parts = isRecord(first) && Array.isArray(first.parts) ? first.parts : [];
  const text = parts.map((part) => isRecord(part) && typeof part.text === "string" ? part.text : "").join("");
  if (text === "") return `-${Math.floor(Math.random() * 9e18).toString()}`;
  let hash = 0n;
  for (const char of text) hash = (hash * 31n + BigInt(char.codePointAt(0)!)) & 0x7fff_ffff_ffff_ffffn;
  return `-${hash.toString()}`;
}

/**
 * `requestType` and `requestId` of a call: image models are `image_gen` with an id of
 * `image_gen/<ms>/<uuid>/12`, the rest `agent` with `agent-<uuid>` (vendor facts §7.4).
 */
export function requestKind(model: string, nowMs = Date.now()): { requestType: string; requestId: string } {
  if (/image/i.test(model)) {
    return { requestType: "image_gen", requestId: `image_gen/${nowMs}/${randomUUID()}/12` };
  }
  return { requestType: "agent", requestId: `agent-${randomUUID()}` };
}

/** Antigravity's changes to a Gemini body (CLIProxyAPI `geminiToAntigravity`). */
export function fitAntigravityRequest(
  request: Record<string, unknown>,
  model: string,
): Record<string, unknown> {
  const { safetySettings: _safety, ...fitted } = request;
  const generation = isRecord(fitted.generationConfig) ? { ...fitted.generationConfig } : undefined;
  if (generation) {
    if (isClaudeModel(model)) {
      if (typeof generation.maxOutputTokens === "number") {
        generation.maxOutputTokens = Math.min(64_000, generation.maxOutputTokens);
      }
    } else {
      delete generation.maxOutputTokens;
    }
    fitted.generationConfig = generation;
  }
  // Claude behind Antigravity checks tool calls against their schemas only in VALIDATED mode.
  if (isClaudeModel(model) && Array.isArray(fitted.tools) && fitted.tools.length > 0) {
    const toolConfig = isRecord(fitted.toolConfig) ? fitted.toolConfig : {};
    const calling = isRecord(toolConfig.functionCallingConfig) ? toolConfig.functionCallingConfig : {};
    fitted.toolConfig = { ...toolConfig, functionCallingConfig: { ...calling, mode: "VALIDATED" } };
  }
  return fitted;
}

/**
 * Antigravity's hosts for generate, stream and `fetchAvailableModels` when `ANTIGRAVITY_API_BASE` is unset:
 * the daily host, then production (CLIProxyAPI `antigravityBaseURLFallbackOrder`; vendor facts §7.1).
 * `loadCodeAssist` goes to production and `onboardUser` to the daily host (`codeAssistClientKind`).
 */
export const ANTIGRAVITY_HOSTS: readonly string[] = [CODE_ASSIST_DAILY, CODE_ASSIST_PROD];

/**
 * Whether a host's failure hands the call to the next host: unreachable or silent, a 5xx (with "No capacity
 * available" among them), or a 429 that is the host's throttling. A 429 that says the account's quota is spent
 * (`QUOTA_EXHAUSTED`, a daily quota, no Google One credits) is the account's, the same on every host: it
 * goes to the rotator (vendor facts §7.1, §8, §10: "fall back across base URLs on capacity errors but not on
 * quota errors").
 */
export function antigravityTryNextHost(failure: { kind: string; status: number; body: string }): boolean {
  if (failure.kind === "connection" || failure.kind === "timeout") return true;
  if (failure.kind !== "http") return false;
  if (failure.status >= 500) return true;
  if (failure.status !== 429) return false;
  return !/QUOTA_EXHAUSTED|INSUFFICIENT_G1_CREDITS_BALANCE|PerDay/.test(failure.body);
}

/** Options of {@link createAntigravity}. */
export interface AntigravityOptions {
  /** Remembers thought signatures across turns. @default a new memory */
  signatures?: ThoughtSignatures;
  /** The hosts in fallback order; the first is the default base. @default {@link ANTIGRAVITY_HOSTS} */
  hosts?: readonly string[];
}

/** Build an antigravity adapter with its own memory of thought signatures. */
export function createAntigravity(options: AntigravityOptions = {}): OAuthProviderAdapter {
  const { signatures = new ThoughtSignatures(), hosts = ANTIGRAVITY_HOSTS } = options;
  // The other hosts serve only when the base is the default one: `ANTIGRAVITY_API_BASE` names one host.
  const fallbacks = (baseUrl: string, path: string): { fallbackUrls?: string[] } =>
    baseUrl === hosts[0] && hosts.length > 1
      ? { fallbackUrls: hosts.slice(1).map((host) => `${host}${path}`) }
      : {};
  const headers = (stream: boolean) => ({
    "content-type": "application/json",
    "accept": stream ? "text/event-stream" : "application/json",
    // Never `x-goog-user-project`: with it calls fail 403 SERVICE_DISABLED (Antigravity-Manager#3350).
    "user-agent": ANTIGRAVITY_USER_AGENT,
  });
  return {
    id: "antigravity",
    format: "gemini",
    authKind: "oauth",
    // CLIProxyAPI (newest) calls the daily host first, then production; `ANTIGRAVITY_API_BASE` overrides both.
    defaultBaseUrl: hosts[0],
    // The sandbox reaches the fallback hosts, and production for `loadCodeAssist`.
    extraOrigins: (baseUrl) => baseUrl === hosts[0] ? hosts.slice(1) : [],
    tryNextHost: antigravityTryNextHost,
    authHeaders: (accessToken) => ({ authorization: `Bearer ${accessToken}` }),
    prepareBody: (body) => signatures.restore(body),
    chatRequest({ baseUrl, credential, auth, model, body, stream }) {
      const request = fitAntigravityRequest(innerRequest(body), model);
      const path = codeAssistUrl("", stream);
      return {
        url: `${baseUrl}${path}`,
        ...fallbacks(baseUrl, path),
        method: "POST",
        headers: { ...auth, ...headers(stream) },
        body: JSON.stringify({
          model,
          project: projectOf(credential),
          userAgent: "antigravity",
          ...requestKind(model),
          request: { ...request, sessionId: sessionIdOf(request) },
        }),
      };
    },
    modelsRequest({ baseUrl, credential, auth }) {
      const project = credential.kind === "oauth" ? credential.metadata.projectId : undefined;
      return {
        url: `${baseUrl}/v1internal:fetchAvailableModels`,
        ...fallbacks(baseUrl, "/v1internal:fetchAvailableModels"),
        method: "POST",
        headers: { ...auth, ...headers(false) },
        body: JSON.stringify(project ? { project } : {}),
      };
    },
    parseModels(json) {
      const listed = isRecord(json) && isRecord(json.models) ? json.models : {};
      const models: ListedModel[] = [];
      for (const id of Object.keys(listed)) {
        if (HIDDEN_MODELS.has(id)) continue;
        models.push({
          id,
          ownedBy: isClaudeModel(id) ? "anthropic" : /gpt/i.test(id) ? "openai" : "google",
        });
      }
      return { models, nextPageToken: null };
    },
    envelope: codeAssistEnvelope((response) => signatures.remember(response)),
    readFailure: (status, body) => readCodeAssistFailure(status, body),
    quotaGroup: codeAssistQuotaGroup,
  };
}

/** The antigravity provider. */
export const antigravity: OAuthProviderAdapter = createAntigravity();
