/**
 * Gemini through Google AI Studio keys: the native `generateContent` API with `x-goog-api-key`.
 * https://ai.google.dev/api/generate-content — base URL is the host root
 * (`https://generativelanguage.googleapis.com`); the version path is added here.
 */
import { isRecord } from "../../lib/formats/json_values.ts";
import type { ListedModel, ProviderAdapter } from "../types.ts";
import { pathSegment } from "../url.ts";

const API = "v1beta";

/**
 * `gemini-2.5-flash` or `models/gemini-2.5-flash` → the path `models/gemini-2.5-flash`. The id is one
 * percent-encoded segment: a client's `../../evil` must not leave the model's path on Google's host.
 */
export function modelPath(model: string): string {
  for (const collection of ["models/", "tunedModels/"]) {
    if (model.startsWith(collection)) return `${collection}${pathSegment(model.slice(collection.length))}`;
  }
  return `models/${pathSegment(model)}`;
}

/**
 * Thinking settings fitted to the model family (https://ai.google.dev/gemini-api/docs/thinking):
 * Gemini 3 and later think in levels and cannot switch thinking off (400 "Budget 0 is invalid. This model
 * only works in thinking mode"), so budget 0 becomes the model's lowest level, and a level wins over a
 * budget sent beside it (both at once is a 400); other budgets pass, which Gemini 3 still accepts.
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
  if (thinksInLevels(model)) return withThinking(fitThinkingLevel(thinking, model));
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

/**
 * Gemini 3 and later (`gemini-3-pro-preview`, `gemini-3.1-flash-lite`, …) take `thinkingLevel`; so do the
 * `gemini-pro-latest` / `gemini-flash-latest` / `gemini-flash-lite-latest` aliases, which point at them.
 */
function thinksInLevels(model: string): boolean {
  const version = /gemini-(\d+)(?:\.\d+)?-/i.exec(model);
  if (version) return Number(version[1]) >= 3;
  return /gemini-(pro|flash|flash-lite)-latest/i.test(model);
}

/**
 * Models documented to take the level "minimal" (3 Flash, 3.5 and 3.6 Flash, the 3.x Flash-Lite and Flash
 * image models). 3.x Pro and 3.7+ Flash answer 400 "Thinking level MINIMAL is not supported for this
 * model"; "low" is the lowest level every Gemini 3 model takes.
 * https://ai.google.dev/gemini-api/docs/thinking#thinking-levels
 */
const MINIMAL_LEVEL = /gemini-3(\.[56])?-flash(?!-lite)|gemini-3(\.\d+)?-flash-(lite|image)/i;

/** A level-based model's thinkingConfig: budget 0 → the lowest level, and never a level and a budget. */
function fitThinkingLevel(thinking: Record<string, unknown>, model: string): Record<string, unknown> {
  const { thinkingBudget: budget, ...others } = thinking;
  if (others.thinkingLevel !== undefined) return others;
  if (budget !== 0) return thinking;
  return { ...others, thinkingLevel: MINIMAL_LEVEL.test(model) ? "minimal" : "low" };
}

/**
 * Gemma on the Gemini API takes no system instruction (400 "Developer instruction is not enabled for
 * models/gemma-3-27b-it") and does not think: the instruction's text opens the first user turn, where
 * Gemma's own chat template puts a system prompt (https://ai.google.dev/gemma/docs/core/prompt-structure),
 * and `thinkingConfig` is dropped.
 */
export function fitGemmaBody(body: Record<string, unknown>): Record<string, unknown> {
  const { systemInstruction, ...rest } = body;
  if (isRecord(rest.generationConfig)) {
    const { thinkingConfig: _thinking, ...generation } = rest.generationConfig;
    rest.generationConfig = generation;
  }
  const system = systemText(systemInstruction);
  if (system === "") return rest;
  const contents = Array.isArray(rest.contents) ? rest.contents : [];
  const lead = { text: `${system}\n\n` };
  const first = contents.findIndex((content) =>
    isRecord(content) && (content.role === undefined || content.role === "user")
  );
  if (first === -1) return { ...rest, contents: [{ role: "user", parts: [lead] }, ...contents] };
  const content = contents[first] as Record<string, unknown>;
  const parts = Array.isArray(content.parts) ? content.parts : [];
  return { ...rest, contents: contents.with(first, { ...content, parts: [lead, ...parts] }) };
}

/** The text of a `systemInstruction` content (its text parts, one per line); "" when it has none. */
function systemText(instruction: unknown): string {
  if (typeof instruction === "string") return instruction;
  if (!isRecord(instruction) || !Array.isArray(instruction.parts)) return "";
  return instruction.parts
    .map((part) => isRecord(part) && typeof part.text === "string" ? part.text : "")
    .filter((text) => text !== "")
    .join("\n");
}

/** The gemini provider. */
export const gemini: ProviderAdapter = {
  id: "gemini",
  format: "gemini",
  authKind: "api_key",
  defaultBaseUrl: "https://generativelanguage.googleapis.com",
  prepareBody: (body, { model }) =>
    /^(models\/)?gemma-/i.test(model) ? fitGemmaBody(body) : fitThinkingConfig(body, model),
  authHeaders: (accessToken) => ({ "x-goog-api-key": accessToken }),
  chatRequest({ baseUrl, auth, model, body, stream }) {
    // The model lives in the URL; a `model` field in the body would be rejected.
    const { model: _model, ...rest } = body;
    const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
    return {
      url: `${baseUrl}/${API}/${modelPath(model)}:${method}`,
      method: "POST",
      headers: {
        ...auth,
        "content-type": "application/json",
        "accept": stream ? "text/event-stream" : "application/json",
      },
      body: JSON.stringify(rest),
    };
  },
  // https://ai.google.dev/api/tokens#method:-models.counttokens — the whole request (system instruction and
  // tools included) goes in `generateContentRequest`, which names its model as `models/{model}`.
  countTokensRequest({ baseUrl, auth, model, body }) {
    const { model: _model, generationConfig: _generation, safetySettings: _safety, ...request } = body;
    const name = /^(models|tunedModels)\//.test(model) ? model : `models/${model}`;
    return {
      url: `${baseUrl}/${API}/${modelPath(model)}:countTokens`,
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ generateContentRequest: { model: name, ...request } }),
    };
  },
  // https://ai.google.dev/api/models#method:-models.list — pages via pageToken / nextPageToken.
  modelsRequest({ baseUrl, auth, pageToken }) {
    const page = pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : "";
    return {
      url: `${baseUrl}/${API}/models?pageSize=1000${page}`,
      method: "GET",
      headers: { ...auth },
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
  embeddingsRequest({ baseUrl, auth, model, body }) {
    return {
      url: `${baseUrl}/${API}/${modelPath(model)}:batchEmbedContents`,
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    };
  },
};
