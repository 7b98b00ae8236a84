/**
 * The model catalog: each configured provider's model list, fetched from its upstream listing,
 * cached with a TTL and prefixed with the provider id. A provider whose listing fails keeps its last
 * good list.
 */
import type { ConfiguredProvider } from "../../providers/mod.ts";
import type { RotationSettings } from "../config/rotation.ts";
import type { Logger } from "../log/logger.ts";
import { isAllowed } from "./model_resolution.ts";
import { sendUpstream } from "../rotator/upstream_call.ts";
import type { FetchFunction } from "../rotator/upstream_call.ts";

/** One model as `/v1/models` shows it (OpenAI's model object). */
export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

interface CacheEntry {
  models: ModelEntry[];
  fetchedAtMs: number;
  pending?: Promise<ModelEntry[]>;
}

/** Options of {@link ModelCatalog}. */
export interface ModelCatalogOptions {
  fetch: FetchFunction;
  logger: Logger;
  ttlMs: number;
  /** Model filters and aliases. */
  settings: RotationSettings;
  /** Bound on one listing call. @default 15000 */
  timeoutMs?: number;
  /** Injected clock. @default Date.now */
  now?: () => number;
}

/** Lists and caches the models of configured providers. */
export class ModelCatalog {
  readonly #providers: readonly ConfiguredProvider[];
  readonly #options: Required<ModelCatalogOptions>;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(providers: readonly ConfiguredProvider[], options: ModelCatalogOptions) {
    this.#providers = providers;
    this.#options = { timeoutMs: 15_000, now: Date.now, ...options };
  }

  /** The union of every provider's models (ids prefixed `provider/`, filters applied), then the aliases. */
  async list(): Promise<ModelEntry[]> {
    const lists = await Promise.all(this.#providers.map((provider) => this.forProvider(provider)));
    return [...lists.flat(), ...this.aliases()];
  }

  /** Model aliases as model entries. */
  aliases(): ModelEntry[] {
    return [...this.#options.settings.aliases.keys()].map((id) => ({
      id,
      object: "model" as const,
      created: 0,
      owned_by: "alias",
    }));
  }

  /** One provider's models that its filters allow. */
  async forProvider(provider: ConfiguredProvider): Promise<ModelEntry[]> {
    const models = await this.#cached(provider);
    const prefix = provider.id.length + 1;
    return models.filter((entry) => isAllowed(this.#options.settings, provider.id, entry.id.slice(prefix)));
  }

  async #cached(provider: ConfiguredProvider): Promise<ModelEntry[]> {
    const cached = this.#cache.get(provider.id);
    const now = this.#options.now();
    if (cached && now - cached.fetchedAtMs < this.#options.ttlMs) return cached.models;
    if (cached?.pending) return await cached.pending;
    const entry: CacheEntry = cached ?? { models: [], fetchedAtMs: -Infinity };
    entry.pending = this.#fetch(provider).then((models) => {
      entry.models = models;
      entry.fetchedAtMs = this.#options.now();
      return models;
    }, (error) => {
      this.#options.logger.warn(
        `listing models of ${provider.id} failed (${
          error instanceof Error ? error.message : String(error)
        }); ` +
          (entry.models.length > 0 ? `keeping the last good list of ${entry.models.length}` : "no list yet"),
      );
      // Try again after a short pause rather than on every request.
      entry.fetchedAtMs = this.#options.now() - this.#options.ttlMs + Math.min(this.#options.ttlMs, 30_000);
      return entry.models;
    }).finally(() => {
      entry.pending = undefined;
    });
    this.#cache.set(provider.id, entry);
    return await entry.pending;
  }

  async #fetch(provider: ConfiguredProvider): Promise<ModelEntry[]> {
    const credential = provider.credentials[0];
    const request = provider.adapter.modelsRequest({ baseUrl: provider.baseUrl, credential });
    const { response } = await sendUpstream(request, {
      fetch: this.#options.fetch,
      provider: provider.id,
      headersTimeoutMs: this.#options.timeoutMs,
    });
    const json: unknown = await response.json();
    const list = Array.isArray(json) ? json : (json as { data?: unknown } | null)?.data;
    const details = new Map<string, Record<string, unknown>>();
    if (Array.isArray(list)) {
      for (const item of list) {
        if (item && typeof item === "object" && typeof (item as { id?: unknown }).id === "string") {
          details.set((item as { id: string }).id, item as Record<string, unknown>);
        }
      }
    }
    return provider.adapter.parseModels(json).map((id) => {
      const detail = details.get(id);
      return {
        id: `${provider.id}/${id}`,
        object: "model" as const,
        created: typeof detail?.created === "number" ? detail.created : 0,
        owned_by: typeof detail?.owned_by === "string" ? detail.owned_by : provider.id,
      };
    });
  }
}
