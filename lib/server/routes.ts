/** The API's index: every endpoint of the proxy, in one table. */
import type { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppDeps, AppEnv } from "./context.ts";
import { chatCompletions } from "./handlers/chat_completions.ts";
import { getModel, listModels, listProviders, status } from "./handlers/catalog.ts";
import { embeddings } from "./handlers/embeddings.ts";
import { geminiCalls, getGeminiModel, isGeminiRequest, listGeminiModels } from "./handlers/gemini.ts";
import { geminiEmbeddings } from "./handlers/gemini_embeddings.ts";
import { countTokens, messages } from "./handlers/messages.ts";
import { quotaStats } from "./handlers/quota_stats.ts";
import { costEstimate } from "./handlers/cost_estimate.ts";
import { health, ready } from "./handlers/health.ts";
import { metricsEndpoint } from "./handlers/metrics.ts";
import { tokenCount } from "./handlers/token_count.ts";
import { censusOfPools } from "../metrics/census.ts";
import { reloadCredentials } from "./handlers/admin.ts";
import { createResponse, deleteResponse, getResponse, listInputItems } from "./handlers/responses.ts";
import { MemoryResponseStore } from "../store/response_store.ts";
import { CODECS } from "../formats/mod.ts";
import { clientAuth } from "./middleware/auth.ts";
import { inboundFormat } from "./middleware/inbound_format.ts";
import { embeddingCall } from "./embedding_call.ts";

/** Register the routes on `app`. */
export function registerRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const startedAtMs = (deps.now ?? Date.now)();
  app.get("/", status(deps, startedAtMs));
  app.get("/health", health());
  app.get("/ready", ready({ census: () => censusOfPools(deps.rotator.pools, (deps.now ?? Date.now)()) }));
  if (deps.observability) {
    const { metrics } = deps.observability;
    app.get("/metrics", clientAuth({ apiKey: deps.config.proxyApiKey }), metricsEndpoint({ metrics }));
  }
  const responseStore = deps.responseStore ??
    new MemoryResponseStore({ ttlMs: deps.config.responsesStoreTtlMs, now: deps.now });

  // Each route group names its client's format first, so that every error is rendered in its shape.
  app.use("/v1/messages", inboundFormat(CODECS.anthropic));
  app.use("/v1/messages/*", inboundFormat(CODECS.anthropic));
  app.use("/v1/responses", inboundFormat(CODECS.responses));
  app.use("/v1/responses/*", inboundFormat(CODECS.responses));
  app.use("/v1/*", inboundFormat(CODECS.gemini, { when: isGeminiRequest }));
  app.use("/v1beta/*", inboundFormat(CODECS.gemini));

  const embed = embeddingCall(deps.upstream);
  // Browsers send preflights without the key: answered before authentication.
  const corsHeaders = cors(corsOptions(deps.config.corsAllowedOrigins));
  app.use("/v1/*", corsHeaders);
  app.use("/v1beta/*", corsHeaders);
  app.use("/v1/*", clientAuth({ apiKey: deps.config.proxyApiKey }));
  app.post("/v1/chat/completions", chatCompletions(deps));
  app.post("/v1/messages", messages(deps));
  app.post("/v1/messages/count_tokens", countTokens(deps));
  app.post("/v1/responses", createResponse(deps, responseStore));
  app.get("/v1/responses/:id", getResponse(responseStore));
  app.delete("/v1/responses/:id", deleteResponse(responseStore));
  app.get("/v1/responses/:id/input_items", listInputItems(responseStore));
  app.post("/v1/embeddings", embeddings(deps, { embed }));
  // @google/genai lists models under /v1 too: Google's clients get Gemini's shape.
  app.get("/v1/models", listGeminiModels(deps, { googleClientsOnly: true }), listModels(deps));
  app.get("/v1/models/*", getGeminiModel(deps, { googleClientsOnly: true }), getModel(deps));
  app.get("/v1/providers", listProviders(deps));
  app.get("/v1/quota-stats", quotaStats(deps));
  app.post(
    "/v1/token-count",
    tokenCount({
      providers: deps.providers,
      upstream: deps.upstream,
      rotation: deps.config.rotation,
      maxRequestBodyBytes: deps.config.maxRequestBodyBytes,
      connectTimeoutMs: deps.config.connectTimeoutMs,
      logger: deps.logger,
    }),
  );
  if (deps.observability) {
    const { prices } = deps.observability;
    app.post(
      "/v1/cost-estimate",
      costEstimate({ prices, maxRequestBodyBytes: deps.config.maxRequestBodyBytes }),
    );
  }
  app.post("/v1/admin/reload", reloadCredentials(deps));

  // The Gemini API (Gemini CLI, @google/genai, the AI SDK's Google provider): `models/{model}:{method}`
  // under /v1beta, and under /v1 where no OpenAI route is (POSTs that end with a Gemini method).
  const gemini = geminiCalls(deps, { embed: geminiEmbeddings(deps, { embed }) });
  app.use("/v1beta/*", clientAuth({ apiKey: deps.config.proxyApiKey }));
  app.get("/v1beta/models", listGeminiModels(deps));
  app.get("/v1beta/models/*", getGeminiModel(deps));
  app.post("/v1beta/*", gemini);
  app.post("/v1/*", gemini);
}

/** CORS for browser clients: any listed origin (or `*`), the request's own headers, our ids exposed. */
function corsOptions(origins: readonly string[]) {
  return {
    origin: origins.includes("*") ? "*" : [...origins],
    allowMethods: ["GET", "POST", "OPTIONS"],
    exposeHeaders: ["x-proxy-request-id", "request-id", "retry-after", "x-should-retry"],
    maxAge: 600,
  };
}
