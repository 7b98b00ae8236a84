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

/**
 * Thinking budgets per model family (https://ai.google.dev/gemini-api/docs/thinking#set-budget):
 * 2.5 Pro 128–32768 and cannot switch thinking off; 2.5 Flash 0–24576; 2.5 Flash-Lite 512–24576 or 0.
 * Models before 2.5 do not think at all and reject thinkingConfig.
 */
export function fitThinkingConfig(body: Record<string, unknown>, model: string): Record<string, unknown> {
  const generation = body.generationConfig as Record<string, unknown> | undefined;
  const thinking = generation?.thinkingConfig as Record<string, unknown> | undefined;
  if (!generation || !thinking) return body;
  const withThinking = (config: Record<string, unknown> | null) => {
    const { thinkingConfig: _old, ...rest } = generation;
    return { ...body, generationConfig: config ? { ...rest, thinkingConfig: config } : rest };
  };
  if (/gemini-(1\.|2\.0)/i.test(model)) return withThinking(null);
  const budget = thinking.thinkingBudget;
  if (typeof budget !== "number" || budget < 0) return body;
  const { thinkingBudget: _budget, ...others } = thinking;
  if (/gemini-2\.5-pro/i.test(model)) {
    return withThinking(
      budget === 0 ? others : { ...others, thinkingBudget: Math.min(32_768, Math.max(128, budget)) },
    );
  }
  if (/flash-lite/i.test(model)) {
    return withThinking({
      ...others,
      thinkingBudget: budget === 0 ? 0 : Math.min(24_576, Math.max(512, budget)),
    });
  }
  if (/gemini-2\.5-flash/i.test(model)) {
    return withThinking({ ...others, thinkingBudget: Math.min(24_576, budget) });
  }
  return body;
}

/** The gemini provider. */
export const gemini: ProviderAdapter = {
  id: "gemini",
  format: "gemini",
  authKind: "api_key",
  defaultBaseUrl: "https://generativelanguage.googleapis.com",
  prepareBody: (body, { model }) => fitThinkingConfig(body, model),
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
