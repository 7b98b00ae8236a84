/** The API's index: every endpoint of the proxy, in one table. */
import type { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppDeps, AppEnv } from "./context.ts";
import { chatCompletions } from "./handlers/chat_completions.ts";
import { getModel, listModels, listProviders, status } from "./handlers/catalog.ts";
import { embeddings } from "./handlers/embeddings.ts";
import { countTokens, messages } from "./handlers/messages.ts";
import { quotaStats } from "./handlers/quota_stats.ts";
import { clientAuth } from "./middleware/auth.ts";

/** Register the routes on `app`. */
export function registerRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const startedAtMs = (deps.now ?? Date.now)();
  app.get("/", status(deps, startedAtMs));

  // Browsers send preflights without the key: answered before authentication.
  app.use("/v1/*", cors(corsOptions(deps.config.corsAllowedOrigins)));
  app.use("/v1/*", clientAuth({ apiKey: deps.config.proxyApiKey }));
  app.post("/v1/chat/completions", chatCompletions(deps));
  app.post("/v1/messages", messages(deps));
  app.post("/v1/messages/count_tokens", countTokens(deps));
  app.post("/v1/embeddings", embeddings(deps));
  app.get("/v1/models", listModels(deps));
  app.get("/v1/models/*", getModel(deps));
  app.get("/v1/providers", listProviders(deps));
  app.get("/v1/quota-stats", quotaStats(deps));
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
