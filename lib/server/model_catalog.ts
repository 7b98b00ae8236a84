/**
 * The model catalog: each configured provider's models, read from its own listing (all pages),
 * merged with `<PROVIDER>_MODELS`, cached with a TTL and prefixed with the provider id. An expired
 * list is served while a fresh one is fetched in the background; a provider whose listing fails keeps
 * its last good list and says so in the log.
 */
import type { ConfiguredProvider } from "../../providers/mod.ts";
import type { ListedModel } from "../../providers/types.ts";
import type { RotationSettings } from "../config/rotation.ts";
import type { Logger } from "../log/logger.ts";
import { isAllowed } from "./model_resolution.ts";
import type { UpstreamClient } from "../rotator/upstream_client.ts";

/**
 * The model (usage scope) a listing call is made for: listings go through the rotator like any call, so a
 * key that is refused or cooling is skipped, and their counts stay apart from the models' own.
 */
export const LISTING_SCOPE = "(model listing)";

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
  /** The upstream client (listings go through the rotator, not around it). */
  upstream: UpstreamClient;
  logger: Logger;
  ttlMs: number;
  /** Model filters and aliases. */
  settings: RotationSettings;
  /** Bound on reading one listing page. @default 15000 */
  timeoutMs?: number;
  /** Most pages read from one provider. @default 20 */
  maxPages?: number;
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
    this.#options = { timeoutMs: 15_000, maxPages: 20, now: Date.now, ...options };
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

  /** Fresh list, or the stale one while a refresh runs; the first call waits for the first listing. */
  #cached(provider: ConfiguredProvider): Promise<ModelEntry[]> {
    const now = this.#options.now();
    let entry = this.#cache.get(provider.id);
    if (entry && now - entry.fetchedAtMs < this.#options.ttlMs) return Promise.resolve(entry.models);
    if (!entry) this.#cache.set(provider.id, entry = { models: [], fetchedAtMs: -Infinity });
    const cacheEntry = entry;
    cacheEntry.pending ??= this.#refresh(provider, cacheEntry);
    // Something to show already: answer with it and let the refresh finish in the background.
    return cacheEntry.fetchedAtMs > -Infinity ? Promise.resolve(cacheEntry.models) : cacheEntry.pending;
  }

  async #refresh(provider: ConfiguredProvider, entry: CacheEntry): Promise<ModelEntry[]> {
    try {
      const listed = await this.#fetchAll(provider);
      entry.models = this.#merge(provider, listed);
      entry.fetchedAtMs = this.#options.now();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const kept = entry.models.length > 0;
      if (!kept) entry.models = this.#merge(provider, []);
      this.#options.logger.warn(
        `listing models of ${provider.id} failed (${message}); ` +
          (kept ? `keeping the last good list of ${entry.models.length}` : "showing only configured models"),
      );
      // Try again after a short pause rather than on every request.
      entry.fetchedAtMs = this.#options.now() - this.#options.ttlMs + Math.min(this.#options.ttlMs, 30_000);
    } finally {
      entry.pending = undefined;
    }
    return entry.models;
  }

  async #fetchAll(provider: ConfiguredProvider): Promise<ListedModel[]> {
    const models: ListedModel[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < this.#options.maxPages; page++) {
      const token = pageToken;
      const result = await this.#options.upstream.json({
        targets: [{ provider, model: LISTING_SCOPE }],
        readTimeoutMs: this.#options.timeoutMs,
        build: ({ credential, auth }) =>
          provider.adapter.modelsRequest({ baseUrl: provider.baseUrl, credential, auth, pageToken: token }),
      });
      result.finish({ ok: true });
      const listing = provider.adapter.parseModels(result.value.json);
      models.push(...listing.models);
      if (!listing.nextPageToken) break;
      pageToken = listing.nextPageToken;
    }
    return models;
  }

  /** Listed models plus `<PROVIDER>_MODELS` (a configured id replaces a listed one of the same id). */
  #merge(provider: ConfiguredProvider, listed: readonly ListedModel[]): ModelEntry[] {
    const byId = new Map<string, ModelEntry>();
    for (const model of listed) {
      byId.set(model.id, {
        id: `${provider.id}/${model.id}`,
        object: "model",
        created: model.created ?? 0,
        owned_by: model.ownedBy ?? provider.id,
      });
    }
    for (const id of provider.configuredModels) {
      byId.set(id, { id: `${provider.id}/${id}`, object: "model", created: 0, owned_by: provider.id });
    }
    return [...byId.values()];
  }
}
