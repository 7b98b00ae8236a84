/** Types shared by the server's routes and middleware. */
import type { ProxyConfig } from "../config/schema.ts";
import type { FormatCodec } from "../formats/mod.ts";
import type { Logger } from "../log/logger.ts";
import type { EventHub } from "../rotator/events.ts";
import type { Rotator } from "../rotator/rotator.ts";
import type { UpstreamClient } from "../rotator/upstream_client.ts";
import type { ConfiguredProvider } from "../../providers/mod.ts";
import type { ModelCatalog } from "./model_catalog.ts";
import type { Observability } from "./observability.ts";
import type { OutputLimits } from "./output_limits.ts";
import type { ResponseStore } from "../store/response_store.ts";
import type { SharedUsageReader } from "../rotator/stats.ts";
import type { ReloadResult } from "./provider_reload.ts";

/** Everything the app needs, injected (no I/O at import). */
export interface AppDeps {
  config: ProxyConfig;
  providers: readonly ConfiguredProvider[];
  rotator: Rotator;
  /** The one upstream client: every call to a provider goes through it (and the rotator). */
  upstream: UpstreamClient;
  /** Attempt and credential-state events (request logs, metrics and persistence subscribe). */
  events: EventHub;
  logger: Logger;
  catalog: ModelCatalog;
  /** Output-token ceilings learned from upstream refusals. */
  outputLimits: OutputLimits;
  /** Where responses are kept for `previous_response_id`. @default in memory, for `RESPONSES_STORE_TTL` */
  responseStore?: ResponseStore;
  /** Usage counted by every instance together (`STATE_STORE=redis://…`), shown by `/v1/quota-stats`. */
  sharedUsage?: SharedUsageReader;
  /** Injected clock. @default Date.now */
  now?: () => number;
  /** Logs, metrics and the price book (absent in tests that do not need them). */
  observability?: Observability;
  /** Rescan the OAuth credential files (`POST /v1/admin/reload`); absent when nothing can be reloaded. */
  reloadCredentials?: () => Promise<{ added: string[]; removed: string[] }>;
  /** Re-read the whole configuration (`POST /v1/admin/reload`); wins over {@link reloadCredentials}. */
  reload?: () => Promise<ReloadResult>;
}

/** Per-request facts the access log prints. */
export interface AccessFacts {
  model?: string;
  keyLabel?: string;
  note?: string;
}

/** Hono environment of our app. */
export interface AppEnv {
  Variables: {
    requestId: string;
    access: AccessFacts;
    /**
     * The client's format, stored by its route group before anything can fail, so that errors are
     * rendered in its shape (`middleware/inbound_format.ts`). Unset: OpenAI's.
     */
    inbound: FormatCodec | undefined;
  };
}
