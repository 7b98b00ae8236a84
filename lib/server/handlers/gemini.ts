/**
 * The Gemini API front door: `models/{model}:generateContent`, `:streamGenerateContent`, `:countTokens`
 * (and the embeddings methods, in `gemini_embeddings.ts`), and the model listing, under `/v1beta/` and
 * `/v1/`. Bodies go to a Gemini provider untouched, and through the canonical hub to any other.
 * https://ai.google.dev/api/generate-content
 */
import type { Context, Handler } from "hono";
import { RequestError } from "../../errors.ts";
import { CODECS } from "../../formats/mod.ts";
import { SKIP_SIGNATURE } from "../../formats/gemini/request.ts";
import { geminiRequestSchema } from "../../formats/gemini/schema.ts";
import { withoutSignatureCarriers } from "../../formats/gemini/signature_carrier.ts";
import { isRecord } from "../../formats/json_values.ts";
import { countInputTokens } from "../../formats/token_count.ts";
import { ClientAbortError } from "../../rotator/upstream_call.ts";
import { targetFormat } from "../chat_body.ts";
import { runChat } from "../chat_pipeline.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { liveProviders } from "../live_providers.ts";
import type { ModelEntry } from "../model_catalog.ts";
import { lookupModel } from "../model_lookup.ts";
import { resolveTargets } from "../model_resolution.ts";
import { readJsonBody } from "../request_body.ts";
import { canCount, providerCount } from "../provider_count.ts";
import { removeForbiddenFields } from "../sanitize.ts";
import { validateBody } from "../validation.ts";

/** The methods a model path may end with, as Google names them. */
export const GEMINI_METHODS = [
  "generateContent",
  "streamGenerateContent",
  "countTokens",
  "embedContent",
  "batchEmbedContents",
] as const;

/** A Gemini method. */
export type GeminiMethod = typeof GEMINI_METHODS[number];

/** A model path read: the model as the client named it (without `models/`) and the method. */
export interface GeminiCall {
  model: string;
  method: GeminiMethod;
}

/**
 * Read `/{version}/models/{model}:{method}` — or, as the AI SDK sends models whose id holds a slash,
 * `/{version}/{model}:{method}`. The model may hold slashes (`models/openai/gpt-4o`); the method is
 * what follows its last colon. Null when the path ends with no Gemini method.
 */
export function readGeminiPath(path: string): GeminiCall | null {
  const rest = path.replace(/^\/(v1beta|v1)\//, "");
  const colon = rest.lastIndexOf(":");
  if (colon < 0) return null;
  const method = GEMINI_METHODS.find((name) => name === rest.slice(colon + 1));
  if (method === undefined) return null;
  let model: string;
  try {
    model = decodeURIComponent(rest.slice(0, colon)).replace(/^models\//, "");
  } catch {
    throw new RequestError(400, `the model in "${path}" is not valid percent-encoding`, { param: "model" });
  }
  if (model === "") throw new RequestError(400, "the path names no model: use models/{model}:{method}");
  return { model, method };
}

/** Whether a path ends with a Gemini method (`…:generateContent`), without reading the model. */
export function isGeminiCallPath(path: string): boolean {
  const colon = path.lastIndexOf(":");
  return colon >= 0 && (GEMINI_METHODS as readonly string[]).includes(path.slice(colon + 1));
}

/**
 * Whether a request under `/v1/` is Gemini's: a call of a Gemini method, or a model listing asked by a
 * Google client ({@link isGoogleClient}), which the OpenAI routes share.
 */
export function isGeminiRequest(path: string, request: Request): boolean {
  return isGeminiCallPath(path) ||
    (request.method === "GET" && /^\/v1\/models(\/|$)/.test(path) && isGoogleClient(request));
}

/** What a Gemini method handler gets: the call read from the path. */
export type GeminiMethodHandler = (c: Context<AppEnv>, call: GeminiCall) => Promise<Response>;

/**
 * Build the handler of `POST /{version}/…:{method}`. `embed` serves the embeddings methods; a path
 * that ends with no Gemini method is left to the routes after it.
 */
export function geminiCalls(deps: AppDeps, options: { embed: GeminiMethodHandler }): Handler<AppEnv> {
  const generate = generateContent(deps);
  const count = countTokens(deps);
  return async function geminiCalls(c, next) {
    const call = readGeminiPath(c.req.path);
    // Not a Gemini call (e.g. under `/v1/`, where the OpenAI routes live): the next route, or a 404.
    if (call === null) return await next();
    c.get("access").model = call.model;
    switch (call.method) {
      case "generateContent":
      case "streamGenerateContent":
        return await generate(c, call);
      case "countTokens":
        return await count(c, call);
      case "embedContent":
      case "batchEmbedContents":
        return await options.embed(c, call);
    }
  };
}

/** `:generateContent` and `:streamGenerateContent`, for any provider. */
function generateContent(deps: AppDeps): GeminiMethodHandler {
  const { config } = deps;
  // Read per call: OAuth logins and removals change the providers while the proxy runs.
  const providers = liveProviders(deps);
  return async function generateContent(c, call) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    validateBody(geminiRequestSchema, body);
    const targets = resolveTargets(call.model, providers, config.rotation, { format: "gemini" });
    const streaming = call.method === "streamGenerateContent";
    // Without `alt=sse` Google streams one JSON array of responses; every client we know asks for SSE.
    const sse = streaming && new URL(c.req.url).searchParams.get("alt") === "sse";
    // Passed through to Gemini, the signatures the gateway gave the client for other providers must go,
    // also when an alias mixes Gemini with other formats (those read them from the body as it came).
    const passable = targets.some((target) => targetFormat(target) === CODECS.gemini.format);
    const own = passable ? withoutSignatureCarriers(body, { skipSignature: SKIP_SIGNATURE }) : body;
    const response = await runChat(deps, c, {
      inbound: CODECS.gemini,
      frontDoor: "gemini",
      body,
      passThroughBody: own === body ? undefined : own,
      clientModel: call.model,
      targets,
      stream: sse,
      includeUsage: true,
    });
    if (!streaming || sse || !response.ok) return response;
    const answer = await response.json();
    return new Response(JSON.stringify([answer]), { status: response.status, headers: response.headers });
  };
}

/**
 * `:countTokens` — `{contents}` or `{generateContentRequest}` → `{totalTokens}`: the provider's own count
 * for Gemini-native providers that have one, else (or when that call fails) counted locally with the
 * bundled tokenizer (as `/v1/messages/count_tokens` does for providers without a count endpoint).
 * https://ai.google.dev/api/tokens#method:-models.counttokens
 */
function countTokens(deps: AppDeps): GeminiMethodHandler {
  const { config, upstream } = deps;
  // Read per call: OAuth logins and removals change the providers while the proxy runs.
  const providers = liveProviders(deps);
  return async function countTokens(c, call) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    const request = isRecord(body.generateContentRequest) ? body.generateContentRequest : body;
    const path = request === body ? "" : "generateContentRequest.";
    const parsed = geminiRequestSchema.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = `${path}${issue.path.map(String).join(".") || "contents"}`;
      throw new RequestError(400, `${field}: ${issue.message}`, { param: field });
    }
    const [target] = resolveTargets(call.model, providers, config.rotation, { format: "gemini" });
    const forwarded = removeForbiddenFields(request);
    if (target.provider.adapter.format === "gemini" && canCount(target)) {
      const counted = await providerCount(target, forwarded, {
        upstream,
        readTimeoutMs: config.connectTimeoutMs,
        signal: c.req.raw.signal,
        requestId: c.get("requestId"),
        frontDoor: "gemini",
        clientHeaders: c.req.raw.headers,
        onServed: (label) => c.get("access").keyLabel = label,
      }).catch((error) => {
        // A failed count is answered by the estimate; a client that left is not.
        if (error instanceof ClientAbortError) throw error;
        return null;
      });
      if (counted !== null) return c.json({ totalTokens: counted });
    }
    const canonical = CODECS.gemini.toCanonicalRequest(forwarded, target.model);
    return c.json({ totalTokens: await countInputTokens(canonical) });
  };
}

/** The methods a listed model offers, as Google's `supportedGenerationMethods` says. */
function methodsOf(id: string): string[] {
  return /embed/i.test(id)
    ? ["embedContent", "batchEmbedContents"]
    : ["generateContent", "streamGenerateContent", "countTokens"];
}

/** A catalog entry as a Gemini `Model`. https://ai.google.dev/api/models#Model */
function geminiModel(entry: ModelEntry): Record<string, unknown> {
  return {
    name: `models/${entry.id}`,
    baseModelId: entry.id,
    version: "001",
    displayName: entry.id,
    supportedGenerationMethods: methodsOf(entry.id),
  };
}

/**
 * Whether a request comes from a Google client: it carries its key as Google's do (`x-goog-api-key` or
 * `?key=`) and not as OpenAI's or Anthropic's. `GET /v1/models` serves OpenAI clients and
 * `@google/genai`, which lists there since it defaults to `/v1`; each gets its own shape.
 */
export function isGoogleClient(request: Request): boolean {
  const { headers } = request;
  if (headers.has("authorization") || headers.has("x-api-key")) return false;
  return headers.has("x-goog-api-key") || new URL(request.url).searchParams.has("key");
}

/** Options of the Gemini model listing handlers. */
export interface GeminiModelsOptions {
  /** Answer only Google clients ({@link isGoogleClient}) and leave others to the next route. @default false */
  googleClientsOnly?: boolean;
}

/** `GET /{version}/models`: every configured provider's models, named `models/{provider}/{model}`. */
export function listGeminiModels(deps: AppDeps, options: GeminiModelsOptions = {}): Handler<AppEnv> {
  return async function listGeminiModels(c, next) {
    if (options.googleClientsOnly && !isGoogleClient(c.req.raw)) return await next();
    return c.json({ models: (await deps.catalog.list()).map(geminiModel) });
  };
}

/**
 * `GET /{version}/models/{model}`: one model (the id may hold slashes), an alias, or a bare name
 * `DEFAULT_PROVIDER_GEMINI` routes (Gemini CLI names `gemini-…` models without our prefix).
 */
export function getGeminiModel(deps: AppDeps, options: GeminiModelsOptions = {}): Handler<AppEnv> {
  const providers = liveProviders(deps);
  return async function getGeminiModel(c, next) {
    if (options.googleClientsOnly && !isGoogleClient(c.req.raw)) return await next();
    const raw = c.req.path.replace(/^\/(v1beta|v1)\/models\//, "");
    let id: string;
    try {
      id = decodeURIComponent(raw).replace(/^models\//, "");
    } catch {
      throw new RequestError(400, `the model id "${raw}" is not valid percent-encoding`, { param: "model" });
    }
    const entry = await lookupModel(id, {
      catalog: deps.catalog,
      providers,
      settings: deps.config.rotation,
      formats: ["gemini"],
    });
    if (!entry) {
      throw new RequestError(404, `models/${id} is not found or its provider is not configured`, {
        param: "model",
        code: "model_not_found",
      });
    }
    return c.json(geminiModel(entry));
  };
}
