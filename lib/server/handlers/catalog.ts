/** `GET /v1/models`, `GET /v1/models/{id}` and `GET /v1/providers`. */
import type { Handler } from "hono";
import { enrichModel } from "../../catalog/enrich.ts";
import { RequestError } from "../../errors.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { liveProviders } from "../live_providers.ts";
import { lookupModel } from "../model_lookup.ts";

/** The union of configured providers' models, ids prefixed `provider/`, with their model cards. */
export function listModels(deps: AppDeps): Handler<AppEnv> {
  return async function listModels(c) {
    const models = await deps.catalog.list();
    if (!deps.observability || c.req.query("enriched") === "false") {
      return c.json({ object: "list", data: models });
    }
    const book = await deps.observability.prices();
    return c.json({ object: "list", data: models.map((model) => enrichModel(model, book)) });
  };
}

/**
 * One model by its prefixed id (ids may contain slashes: `openrouter/anthropic/claude-3-opus`), an alias,
 * or a bare name `DEFAULT_PROVIDER_OPENAI` (or `_RESPONSES`) routes.
 */
export function getModel(deps: AppDeps): Handler<AppEnv> {
  const providers = liveProviders(deps);
  return async function getModel(c) {
    const raw = c.req.path.slice("/v1/models/".length);
    let id: string;
    try {
      id = decodeURIComponent(raw);
    } catch {
      throw new RequestError(400, `the model id "${raw}" is not valid percent-encoding`, { param: "model" });
    }
    const model = await lookupModel(id, {
      catalog: deps.catalog,
      providers,
      settings: deps.config.rotation,
      formats: ["openai", "responses"],
    });
    if (!model) {
      throw new RequestError(404, `the model "${id}" does not exist or its provider is not configured`, {
        param: "model",
        code: "model_not_found",
      });
    }
    if (!deps.observability || c.req.query("enriched") === "false") return c.json(model);
    return c.json(enrichModel(model, await deps.observability.prices()));
  };
}

/** The configured providers with their credential counts (never the keys). */
export function listProviders(deps: AppDeps): Handler<AppEnv> {
  return function listProviders(c) {
    return c.json({
      object: "list",
      data: deps.providers.map((provider) => ({
        id: provider.id,
        format: provider.adapter.format,
        base_url: provider.baseUrl,
        custom: provider.custom,
        credentials: provider.credentials.length,
      })),
    });
  };
}

/** `GET /`: a small status document for health checks (no authentication, no secrets). */
export function status(deps: AppDeps, startedAtMs: number): Handler<AppEnv> {
  return function status(c) {
    const now = deps.now ?? Date.now;
    return c.json({
      status: "ok",
      name: "llm-proxy",
      providers: deps.providers.length,
      uptime_seconds: Math.floor((now() - startedAtMs) / 1000),
    });
  };
}
