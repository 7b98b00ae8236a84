/**
 * Logs, metrics and prices, wired from the configuration: `failures.jsonl` (always), request and raw
 * logs (when on), the Prometheus registry, and the price book (the catalog loaded in the background at
 * start, never fetched). Everything here subscribes to the event stream, so none of it can break or delay
 * a call.
 */
import { join } from "node:path";
import { loadCatalog } from "../catalog/stored.ts";
import { PriceBook } from "../catalog/price_book.ts";
import { CatalogSnapshot } from "../catalog/catalog_snapshot.ts";
import type { ProxyConfig } from "../config/schema.ts";
import { failureLogObserver } from "../log/failure_log.ts";
import type { Logger } from "../log/logger.ts";
import { type FetchLike, loggingFetch } from "../log/logging_fetch.ts";
import { RawLog } from "../log/raw_log.ts";
import { RequestLogStore } from "../log/request_log.ts";
import { RotatingFile } from "../log/rotating_file.ts";
import { censusOfPools } from "../metrics/census.ts";
import { ProxyMetrics } from "../metrics/proxy_metrics.ts";
import type { EventHub } from "../rotator/events.ts";
import type { KeyPool } from "../rotator/key_pool.ts";
import type { TokenUsage } from "../rotator/usage.ts";

/** What {@link startObservability} needs. */
export interface ObservabilityOptions {
  logger: Logger;
  events: EventHub;
  /** The rotator's pools, read for the credential census. */
  pools: () => ReadonlyMap<string, KeyPool>;
  /** @default Date.now */
  now?: () => number;
}

/** The running logs, metrics and prices. */
export interface Observability {
  metrics: ProxyMetrics;
  requestLogs: RequestLogStore | null;
  raw: RawLog | null;
  /** The price book once the catalog is loaded (MODEL_PRICES alone until then). */
  prices(): Promise<PriceBook>;
  /** The cost of a call by the prices known now (synchronous: for usage records). */
  costOf(name: string, tokens: TokenUsage): number | null;
  /** `fetch` that files upstream calls under their request when request or raw logging is on. */
  wrapFetch(fetch: FetchLike): FetchLike;
  /** Write whatever is queued (shutdown). */
  flush(): Promise<void>;
}

/** Create the logs, metrics and price book of a proxy and subscribe them to `events`. */
export function startObservability(config: ProxyConfig, options: ObservabilityOptions): Observability {
  const { logger, events, pools, now = Date.now } = options;
  const settings = config.observability;
  const logsDir = join(config.dataDir, "logs");
  const scrub = (text: string) => logger.redact(text);
  const onError = (what: string) => (error: unknown) =>
    logger.warn(`cannot write ${what}: ${error instanceof Error ? error.message : String(error)}`);
  const fileOptions = { maxBytes: settings.logMaxBytes, keep: settings.logKeep };
  // Creating the folder is the first write's job; made once here so that each append need not.
  Deno.mkdirSync(logsDir, { recursive: true, mode: 0o700 });

  let book = new PriceBook(new CatalogSnapshot(new Map(), "not loaded yet"), config.prices);
  const loaded = loadCatalog(config.dataDir, { onWarning: (message) => logger.warn(message) }).then(
    (catalog) => book = new PriceBook(catalog, config.prices),
    (error) => {
      logger.warn(
        `the model catalog could not be loaded (${(error as Error).message}); only MODEL_PRICES apply`,
      );
      return book;
    },
  );
  const costOf = (name: string, tokens: TokenUsage) => book.costOf(name, tokens);

  const failures = new RotatingFile(join(logsDir, "failures.jsonl"), {
    ...fileOptions,
    onError: onError("logs/failures.jsonl"),
  });
  events.subscribe(failureLogObserver(failures, { scrub }));

  const requestLogs = settings.requestLogging
    ? new RequestLogStore({
      directory: join(logsDir, "requests"),
      maxFileBytes: settings.logMaxBytes,
      maxTotalBytes: settings.logMaxBytes * Math.max(1, settings.logKeep),
      scrub,
      onError: onError("a request log"),
      now,
    })
    : null;
  if (requestLogs) events.subscribe(requestLogs.observe);
  const rawFile = settings.rawLogging
    ? new RotatingFile(join(logsDir, "raw.jsonl"), { ...fileOptions, onError: onError("logs/raw.jsonl") })
    : null;
  const raw = rawFile ? new RawLog(rawFile, { scrub, now }) : null;

  const metrics = new ProxyMetrics({ census: () => censusOfPools(pools(), now()), costOf });
  events.subscribe(metrics.observe);

  return {
    metrics,
    requestLogs,
    raw,
    prices: () => loaded,
    costOf,
    wrapFetch: (fetch) => loggingFetch(fetch, { requestLogs, raw }),
    async flush() {
      events.flush();
      await Promise.all([failures.flush(), requestLogs?.flush(), raw?.flush()]);
    },
  };
}
