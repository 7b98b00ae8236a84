/**
 * Factory for providers that speak the OpenAI Chat Completions API with a Bearer key. Each such
 * provider is a few lines on top of this. Chosen models may be served through the Responses API
 * (`POST /responses`) instead, for those the vendor offers nowhere else.
 */
import type { ListedModel, PrepareBodyContext, ProviderAdapter } from "../types.ts";
import { stripReasoningHistory, withoutReasoningEffort } from "./openai_quirks.ts";

type Body = Record<string, unknown>;

/** Options of {@link openAICompatible}. */
export interface OpenAICompatibleOptions {
  id: string;
  /** Base URL including the version, as the OpenAI SDK takes it (`https://api.openai.com/v1`). */
  baseUrl: string;
  /** Extra static headers the vendor asks for. @default {} */
  headers?: Record<string, string>;
  /** Quirks of this provider (see {@link ProviderAdapter.prepareBody}). */
  prepareBody?: ProviderAdapter["prepareBody"];
  /** Whether the provider wraps reasoning in `<think>` tags. @default false */
  thinkTags?: boolean;
  /**
   * Which models take `reasoning_effort`; for others it is removed before sending (strict servers
   * answer 400 to it, and translated requests carry it whenever a client turned thinking on).
   * @default every model (custom servers decide for themselves)
   */
  reasoningEffortModels?: RegExp | "none";
  /**
   * What happens to reasoning text (`reasoning_content`, `reasoning`) on messages sent back as history.
   * `"strip"` for providers that refuse it or document no such field; `"keep"` for those that need it
   * back (DeepSeek's thinking mode) or that route to providers that may (OpenRouter).
   * @default "keep" (custom servers such as vLLM and llama.cpp decide for themselves)
   */
  reasoningHistory?: "keep" | "strip";
  /**
   * Models called through `POST /responses` in the Responses format instead of Chat Completions
   * (`*` wildcards, case-insensitive): those the vendor serves only there. `<PROVIDER>_RESPONSES_MODELS`
   * replaces the list (see {@link ProviderAdapter.withResponsesModels}).
   * @default [] (every model speaks Chat Completions)
   */
  responsesModels?: readonly string[];
  /** Quirks of bodies sent to `/responses` (the Chat Completions quirks do not apply there). */
  prepareResponsesBody?: ProviderAdapter["prepareBody"];
}

/** In `<PROVIDER>_RESPONSES_MODELS`: the provider's own list. */
const DEFAULT_ENTRY = "default";
/** In `<PROVIDER>_RESPONSES_MODELS`: no model (the list is otherwise never empty). */
const NONE_ENTRY = "none";

/** Build an adapter for an OpenAI-compatible provider. */
export function openAICompatible(options: OpenAICompatibleOptions): ProviderAdapter {
  const { id, baseUrl, headers: extraHeaders = {}, thinkTags = false, responsesModels = [] } = options;
  const speaksResponses = modelMatcher(responsesModels);
  const chatQuirks = composePrepareBody(options);
  const responsesQuirks = options.prepareResponsesBody;
  const prepareBody: ProviderAdapter["prepareBody"] = responsesModels.length === 0
    ? chatQuirks
    : (body, context) => {
      const quirks = speaksResponses(context.model) ? responsesQuirks : chatQuirks;
      return quirks ? quirks(body, context) : body;
    };
  return {
    id,
    format: "openai",
    authKind: "api_key",
    defaultBaseUrl: baseUrl,
    prepareBody,
    thinkTags,
    formatFor: (model) => speaksResponses(model) ? "responses" : "openai",
    withResponsesModels(patterns) {
      const chosen = patterns.flatMap((pattern) =>
        pattern.toLowerCase() === DEFAULT_ENTRY
          ? responsesModels
          : pattern.toLowerCase() === NONE_ENTRY
          ? []
          : [pattern]
      );
      return openAICompatible({ ...options, responsesModels: [...new Set(chosen)] });
    },
    authHeaders: (accessToken) => ({ "authorization": `Bearer ${accessToken}` }),
    chatRequest({ baseUrl, auth, model, body, stream }) {
      return {
        // https://platform.openai.com/docs/api-reference/responses/create
        url: speaksResponses(model) ? `${baseUrl}/responses` : `${baseUrl}/chat/completions`,
        method: "POST",
        headers: {
          ...extraHeaders,
          ...auth,
          "content-type": "application/json",
          "accept": stream ? "text/event-stream" : "application/json",
        },
        body: JSON.stringify({ ...body, model }),
      };
    },
    modelsRequest({ baseUrl, auth }) {
      return {
        url: `${baseUrl}/models`,
        method: "GET",
        headers: { ...extraHeaders, ...auth },
      };
    },
    parseModels(json) {
      return { models: readModelList(json), nextPageToken: null };
    },
    embeddingsRequest({ baseUrl, auth, body }) {
      return {
        url: `${baseUrl}/embeddings`,
        method: "POST",
        headers: {
          ...extraHeaders,
          ...auth,
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
      };
    },
  };
}

/**
 * The factory's own rewrites (`reasoning_effort` per model, reasoning history) followed by the provider's
 * quirks; undefined when there is nothing to do, so a body a provider takes as-is is not even copied.
 */
function composePrepareBody(options: OpenAICompatibleOptions): ProviderAdapter["prepareBody"] {
  const { reasoningEffortModels, reasoningHistory = "keep", prepareBody: quirks } = options;
  const steps: Array<(body: Body, context: PrepareBodyContext) => Body> = [];
  if (reasoningEffortModels !== undefined) {
    steps.push((body, { model }) =>
      "reasoning_effort" in body && (reasoningEffortModels === "none" || !reasoningEffortModels.test(model))
        ? withoutReasoningEffort(body)
        : body
    );
  }
  if (reasoningHistory === "strip") steps.push((body) => stripReasoningHistory(body));
  if (quirks) steps.push(quirks);
  if (steps.length === 0) return undefined;
  return (body, context) => steps.reduce((prepared, step) => step(prepared, context), body);
}

/** Whether a model matches one of `patterns` (`*` wildcards, case-insensitive), compiled once. */
function modelMatcher(patterns: readonly string[]): (model: string) => boolean {
  if (patterns.length === 0) return () => false;
  const escape = (part: string) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const source = patterns.map((pattern) => pattern.split("*").map(escape).join(".*")).join("|");
  const matcher = new RegExp(`^(?:${source})$`, "i");
  return (model) => matcher.test(model);
}

/** Models of an OpenAI-style listing `{ data: [{ id, created, owned_by }] }` (a bare array is accepted too). */
export function readModelList(json: unknown): ListedModel[] {
  const list = Array.isArray(json) ? json : (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(list)) return [];
  const models: ListedModel[] = [];
  for (const entry of list) {
    const record = entry as { id?: unknown; created?: unknown; owned_by?: unknown } | null;
    if (typeof record?.id !== "string" || record.id === "") continue;
    const model: ListedModel = { id: record.id };
    if (typeof record.created === "number") model.created = record.created;
    if (typeof record.owned_by === "string") model.ownedBy = record.owned_by;
    models.push(model);
  }
  return models;
}
