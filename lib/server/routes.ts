/** The API's index: every endpoint of the proxy, in one table. */
import type { Hono } from "hono";
import type { AppDeps, AppEnv } from "./context.ts";
import { chatCompletions } from "./handlers/chat_completions.ts";
import { getModel, listModels, listProviders, status } from "./handlers/catalog.ts";
import { embeddings } from "./handlers/embeddings.ts";
import { countTokens, messages } from "./handlers/messages.ts";
import { quotaStats } from "./handlers/quota_stats.ts";
import { createResponse, deleteResponse, getResponse, listInputItems } from "./handlers/responses.ts";
import { MemoryResponseStore } from "../store/response_store.ts";
import { clientAuth } from "./middleware/auth.ts";

/** Register the routes on `app`. */
export function registerRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const startedAtMs = (deps.now ?? Date.now)();
  app.get("/", status(deps, startedAtMs));
  const responseStore = deps.responseStore ??
    new MemoryResponseStore({ ttlMs: deps.config.responsesStoreTtlMs, now: deps.now });

  app.use("/v1/*", clientAuth({ apiKey: deps.config.proxyApiKey }));
  app.post("/v1/chat/completions", chatCompletions(deps));
  app.post("/v1/messages", messages(deps));
  app.post("/v1/messages/count_tokens", countTokens(deps));
  app.post("/v1/responses", createResponse(deps, responseStore));
  app.get("/v1/responses/:id", getResponse(responseStore));
  app.delete("/v1/responses/:id", deleteResponse(responseStore));
  app.get("/v1/responses/:id/input_items", listInputItems(responseStore));
  app.post("/v1/embeddings", embeddings(deps));
  app.get("/v1/models", listModels(deps));
  app.get("/v1/models/*", getModel(deps));
  app.get("/v1/providers", listProviders(deps));
  app.get("/v1/quota-stats", quotaStats(deps));
}
