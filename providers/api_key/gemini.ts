/**
 * Gemini through Google AI Studio keys: the native `generateContent` API with `x-goog-api-key`.
 * https://ai.google.dev/api/generate-content — base URL is the host root
 * (`https://generativelanguage.googleapis.com`); the version path is added here.
 */
import type { ListedModel, ProviderAdapter } from "../types.ts";

const API = "v1beta";

/** `gemini-2.5-flash` or `models/gemini-2.5-flash` → the path segment `models/gemini-2.5-flash`. */
function modelPath(model: string): string {
  return model.startsWith("models/") || model.startsWith("tunedModels/") ? model : `models/${model}`;
}

/** The gemini provider. */
export const gemini: ProviderAdapter = {
  id: "gemini",
  format: "gemini",
  authKind: "api_key",
  defaultBaseUrl: "https://generativelanguage.googleapis.com",
  chatRequest({ baseUrl, credential, model, body, stream }) {
    // The model lives in the URL; a `model` field in the body would be rejected.
    const { model: _model, ...rest } = body;
    const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
    return {
      url: `${baseUrl}/${API}/${modelPath(model)}:${method}`,
      method: "POST",
      headers: {
        "x-goog-api-key": credential.secret,
        "content-type": "application/json",
        "accept": stream ? "text/event-stream" : "application/json",
      },
      body: JSON.stringify(rest),
    };
  },
  // https://ai.google.dev/api/models#method:-models.list — pages via pageToken / nextPageToken.
  modelsRequest({ baseUrl, credential, pageToken }) {
    const page = pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : "";
    return {
      url: `${baseUrl}/${API}/models?pageSize=1000${page}`,
      method: "GET",
      headers: { "x-goog-api-key": credential.secret },
    };
  },
  parseModels(json) {
    const page = json as { models?: unknown; nextPageToken?: unknown } | null;
    const models: ListedModel[] = [];
    for (const entry of Array.isArray(page?.models) ? page.models : []) {
      const record = entry as { name?: unknown; supportedGenerationMethods?: unknown } | null;
      if (typeof record?.name !== "string") continue;
      const methods = Array.isArray(record.supportedGenerationMethods)
        ? record.supportedGenerationMethods
        : [];
      // Only models that can chat or embed are of use through the proxy.
      if (
        methods.length > 0 &&
        !methods.some((method) => /^(generateContent|embedContent)$/.test(String(method)))
      ) {
        continue;
      }
      models.push({ id: record.name.replace(/^models\//, ""), ownedBy: "google" });
    }
    const next = typeof page?.nextPageToken === "string" && page.nextPageToken !== ""
      ? page.nextPageToken
      : null;
    return { models, nextPageToken: next };
  },
  // https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
  embeddingsRequest({ baseUrl, credential, model, body }) {
    return {
      url: `${baseUrl}/${API}/${modelPath(model)}:batchEmbedContents`,
      method: "POST",
      headers: { "x-goog-api-key": credential.secret, "content-type": "application/json" },
      body: JSON.stringify(body),
    };
  },
};
