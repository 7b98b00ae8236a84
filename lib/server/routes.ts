/** The API's index: every endpoint of the proxy, in one table. */
import type { Hono } from "hono";
import type { AppDeps, AppEnv } from "./context.ts";
import { chatCompletions } from "./handlers/chat_completions.ts";
import { getModel, listModels, listProviders, status } from "./handlers/catalog.ts";
import { embeddings } from "./handlers/embeddings.ts";
import { countTokens, messages } from "./handlers/messages.ts";
import { quotaStats } from "./handlers/quota_stats.ts";
import { reloadCredentials } from "./handlers/admin.ts";
import { clientAuth } from "./middleware/auth.ts";

/** Register the routes on `app`. */
export function registerRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const startedAtMs = (deps.now ?? Date.now)();
  app.get("/", status(deps, startedAtMs));

  app.use("/v1/*", clientAuth({ apiKey: deps.config.proxyApiKey }));
  app.post("/v1/chat/completions", chatCompletions(deps));
  app.post("/v1/messages", messages(deps));
  app.post("/v1/messages/count_tokens", countTokens(deps));
  app.post("/v1/embeddings", embeddings(deps));
  app.get("/v1/models", listModels(deps));
  app.get("/v1/models/*", getModel(deps));
  app.get("/v1/providers", listProviders(deps));
  app.get("/v1/quota-stats", quotaStats(deps));
  app.post("/v1/admin/reload", reloadCredentials(deps));
}
