/**
 * OpenAI Codex (ChatGPT sign-in): the Codex Responses backend at `chatgpt.com/backend-api/codex`. It
 * answers only streams, requires `store: false` and `instructions`, refuses sampling and limit
 * parameters, wants `system` turns as `developer`, and reads the workspace from `ChatGPT-Account-ID`.
 * See `shared/vendor-facts/codex-qwen-iflow.md` §3.
 */
import { arch, platform } from "node:os";
import type { AnyCredential } from "../../lib/credentials/credential.ts";
import { isRecord } from "../../lib/formats/json_values.ts";
import type { ListedModel } from "../types.ts";
import type { OAuthProviderAdapter, VendorFailure } from "./oauth_adapter.ts";

/** The Codex CLI version we present (observed first-hand: 0.169.0). */
export const CODEX_CLIENT_VERSION = "0.169.0";
/** A first-party originator (openai/codex `is_first_party_originator`); others get 403s. */
const ORIGINATOR = "codex_cli_rs";

/** Models of the Codex backend (CLIProxyAPI `codex_client_models.json`, 2026-08), when discovery fails. */
export const OPENAI_CODEX_MODELS: readonly ListedModel[] = [
  "gpt-5.6-sol",
  "gpt-5.6-terra",
  "gpt-5.6-luna",
  "gpt-5.5",
  "gpt-5.4",
  "gpt-5.4-mini",
  "gpt-5.3-codex-spark",
].map((id) => ({ id, ownedBy: "openai" }));

/**
 * Parameters the backend refuses with 400 "Unsupported parameter: <name>" (observed, or stripped by
 * CLIProxyAPI and sub2api for that reason).
 */
const UNSUPPORTED = [
  "max_output_tokens",
  "max_completion_tokens",
  "max_tokens",
  "temperature",
  "top_p",
  "truncation",
  "user",
  "context_management",
  "prompt_cache_retention",
  "safety_identifier",
  "stream_options",
  "previous_response_id",
  "frequency_penalty",
  "presence_penalty",
];

function userAgent(): string {
  // `node:os`, not `Deno.build`: the library runs this adapter under Node too.
  const system = platform();
  const os = system === "darwin" ? "Mac OS" : system === "win32" ? "Windows" : "Linux";
  const machine = arch() === "arm64" ? "aarch64" : "x86_64";
  // The Codex CLI adds the OS version (`Linux 6.1.0`); reading it needs `sys`, which the sandbox withholds.
  return `${ORIGINATOR}/${CODEX_CLIENT_VERSION} (${os}; ${machine}) terminal`;
}

/** A Responses body the Codex backend takes. */
export function fitCodexBody(body: Record<string, unknown>): Record<string, unknown> {
  const fitted: Record<string, unknown> = { ...body };
  for (const name of UNSUPPORTED) delete fitted[name];
  // Only `priority` is a service tier the backend knows.
  if (fitted.service_tier !== undefined && fitted.service_tier !== "priority") delete fitted.service_tier;
  fitted.stream = true;
  // An omitted `store` counts as true, which it refuses: "Store must be set to false".
  fitted.store = false;
  // "Instructions are required"; an empty string is accepted (CLIProxyAPI).
  if (typeof fitted.instructions !== "string") fitted.instructions = "";
  if (typeof fitted.input === "string") {
    fitted.input = [{ type: "message", role: "user", content: [{ type: "input_text", text: fitted.input }] }];
  } else if (Array.isArray(fitted.input)) {
    // "System messages are not allowed": the backend wants them as `developer`.
    fitted.input = fitted.input.map((item) =>
      isRecord(item) && item.role === "system" ? { ...item, role: "developer" } : item
    );
  }
  if (fitted.reasoning !== undefined) {
    const include = Array.isArray(fitted.include) ? fitted.include : [];
    if (!include.includes("reasoning.encrypted_content")) {
      fitted.include = [...include, "reasoning.encrypted_content"];
    }
  }
  return fitted;
}

/**
 * The account's reset from a usage-limit answer: 429 `{"error":{"type":"usage_limit_reached",
 * "resets_at":<epoch s>,"resets_in_seconds":<s>}}` (`resets_at` preferred, as the Codex CLI does).
 */
export function readCodexFailure(status: number, body: string, nowMs: number): VendorFailure | null {
  if (status !== 429 && status !== 403) return null;
  let error: unknown;
  try {
    error = (JSON.parse(body) as { error?: unknown }).error;
  } catch {
    return null;
  }
  if (!isRecord(error) || (error.type !== "usage_limit_reached" && error.type !== "usage_not_included")) {
    return null;
  }
  if (typeof error.resets_at === "number" && error.resets_at * 1000 > nowMs) {
    return { resetAtMs: error.resets_at * 1000 };
  }
  if (typeof error.resets_in_seconds === "number") {
    return { resetAtMs: nowMs + error.resets_in_seconds * 1000 };
  }
  return null;
}

function accountHeader(credential: AnyCredential): Record<string, string> {
  const accountId = credential.kind === "oauth" ? credential.metadata.accountId : undefined;
  return accountId ? { "chatgpt-account-id": accountId } : {};
}

/** The openai_codex provider. */
export const openaiCodex: OAuthProviderAdapter = {
  id: "openai_codex",
  format: "responses",
  authKind: "oauth",
  defaultBaseUrl: "https://chatgpt.com/backend-api",
  authHeaders: (accessToken, credential) => ({
    authorization: `Bearer ${accessToken}`,
    ...accountHeader(credential),
  }),
  prepareBody: (body) => fitCodexBody(body),
  streamOnly: true,
  chatRequest({ baseUrl, auth, model, body }) {
    return {
      url: `${baseUrl}/codex/responses`,
      method: "POST",
      headers: {
        ...auth,
        "content-type": "application/json",
        // Always a stream: the backend refuses anything else ("Stream must be set to true").
        "accept": "text/event-stream",
        "originator": ORIGINATOR,
        "user-agent": userAgent(),
      },
      body: JSON.stringify({ ...fitCodexBody(body), model }),
    };
  },
  modelsRequest({ baseUrl, auth }) {
    return {
      url: `${baseUrl}/codex/models?client_version=${CODEX_CLIENT_VERSION}`,
      method: "GET",
      headers: { ...auth, "originator": ORIGINATOR, "user-agent": userAgent(), "accept": "application/json" },
    };
  },
  parseModels(json) {
    const list = isRecord(json) && Array.isArray(json.models) ? json.models : [];
    const models: ListedModel[] = [];
    for (const entry of list) {
      if (!isRecord(entry)) continue;
      const id = typeof entry.slug === "string" ? entry.slug : typeof entry.id === "string" ? entry.id : null;
      if (id && entry.visibility !== "hide") models.push({ id, ownedBy: "openai" });
    }
    return { models: models.length > 0 ? models : [...OPENAI_CODEX_MODELS], nextPageToken: null };
  },
  readFailure: readCodexFailure,
  fallbackModels: OPENAI_CODEX_MODELS,
};
