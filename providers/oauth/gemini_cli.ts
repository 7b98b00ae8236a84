/**
 * Gemini CLI accounts ("Login with Google" for Gemini Code Assist): the Code Assist API at
 * `cloudcode-pa.googleapis.com` with gemini-cli's headers. Since 2026-06-18 only Standard/Enterprise
 * accounts (own Google Cloud project) still work; individuals are refused at login (UNSUPPORTED_CLIENT).
 */
import { CODE_ASSIST_PROD, geminiCliUserAgent } from "../../lib/credentials/code_assist_setup.ts";
import { isRecord } from "../../lib/formats/json_values.ts";
import { fitThinkingConfig } from "../api_key/gemini.ts";
import type { ListedModel } from "../types.ts";
import {
  codeAssistEnvelope,
  codeAssistQuotaGroup,
  codeAssistUrl,
  innerRequest,
  projectOf,
  readCodeAssistFailure,
  userPromptId,
} from "./code_assist.ts";
import type { OAuthProviderAdapter } from "./oauth_adapter.ts";

/** gemini-cli's models (`config/models.ts`, 2026-08), served when the quota listing names none. */
export const GEMINI_CLI_MODELS: readonly ListedModel[] = [
  "gemini-2.5-pro",
  "gemini-2.5-flash",
  "gemini-2.5-flash-lite",
  "gemini-3-pro-preview",
  "gemini-3.1-pro-preview",
  "gemini-3-flash-preview",
  "gemini-3.1-flash-lite",
].map((id) => ({ id, ownedBy: "google" }));

/** The gemini_cli provider. */
export const geminiCli: OAuthProviderAdapter = {
  id: "gemini_cli",
  format: "gemini",
  authKind: "oauth",
  defaultBaseUrl: CODE_ASSIST_PROD,
  authHeaders: (accessToken) => ({ authorization: `Bearer ${accessToken}` }),
  prepareBody: (body, { model }) => fitThinkingConfig(body, model),
  chatRequest({ baseUrl, credential, auth, model, body, stream }) {
    return {
      url: codeAssistUrl(baseUrl, stream),
      method: "POST",
      headers: {
        ...auth,
        "content-type": "application/json",
        "accept": stream ? "text/event-stream" : "application/json",
        // Client metadata travels in bodies, not headers (gemini-cli `contentGenerator.ts`).
        "user-agent": geminiCliUserAgent(model),
      },
      body: JSON.stringify({
        model,
        project: projectOf(credential),
        user_prompt_id: userPromptId(),
        request: innerRequest(body),
      }),
    };
  },
  // gemini-cli's own countTokens shape: no project, the model as `models/<id>` inside the request.
  countTokensRequest({ baseUrl, auth, model, body }) {
    return {
      url: `${baseUrl}/v1internal:countTokens`,
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "user-agent": geminiCliUserAgent(model) },
      body: JSON.stringify({ request: { model: `models/${model}`, contents: body.contents ?? [] } }),
    };
  },
  // The quota buckets name every model the account may use (`retrieveUserQuota`, gemini-cli `types.ts`).
  modelsRequest({ baseUrl, credential, auth }) {
    return {
      url: `${baseUrl}/v1internal:retrieveUserQuota`,
      method: "POST",
      headers: {
        ...auth,
        "content-type": "application/json",
        "user-agent": geminiCliUserAgent("gemini-2.5-pro"),
      },
      body: JSON.stringify({ project: projectOf(credential) }),
    };
  },
  parseModels(json) {
    const buckets = isRecord(json) && Array.isArray(json.buckets) ? json.buckets : [];
    const ids = new Set<string>();
    for (const bucket of buckets) {
      if (isRecord(bucket) && typeof bucket.modelId === "string") ids.add(bucket.modelId);
    }
    const models = ids.size > 0 ? [...ids].map((id) => ({ id, ownedBy: "google" })) : [...GEMINI_CLI_MODELS];
    return { models, nextPageToken: null };
  },
  envelope: codeAssistEnvelope(),
  readFailure: (status, body) => readCodeAssistFailure(status, body),
  quotaGroup: codeAssistQuotaGroup,
  fallbackModels: GEMINI_CLI_MODELS,
};
