/**
 * The proxy's Prometheus metrics, kept with `prom-client` in a registry of their own (no process-global
 * state, so tests and several apps in one process do not mix). Attempt and credential events feed the
 * upstream side through {@link ProxyMetrics.observe}; the HTTP edge reports each request with
 * {@link ProxyMetrics.recordRequest}; credential and queue gauges are read from a census at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ProxyEvent } from "../rotator/events.ts";
import type { TokenUsage } from "../rotator/usage.ts";
import { type CensusSource, CREDENTIAL_STATES } from "./census.ts";

/** One request as the HTTP edge saw it. */
export interface RequestFacts {
  /** `openai`, `anthropic`, `responses`, `gemini`, `embeddings`, … */
  frontDoor: string;
  /** Provider and model as the client named them (`-` when unknown). */
  provider: string;
  model: string;
  status: number;
  /** From receiving the request to the start of the response (for streams: when the first bytes left). */
  durationMs: number;
}

/** Options of {@link ProxyMetrics}. */
export interface ProxyMetricsOptions {
  /** Credential and queue counts, read at each scrape. @default none */
  census?: CensusSource;
  /** Cost of a call whose event carries none (the catalog's prices). @default none */
  costOf?: (name: string, tokens: TokenUsage) => number | null;
  /** Most requests remembered to tell a failover from a retry. @default 10000 */
  maxTrackedRequests?: number;
}

// Latencies of LLM calls span milliseconds (a cached count) to minutes (long reasoning streams).
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const FIRST_BYTE_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** The metrics registry of one proxy and the functions that feed it. */
export class ProxyMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  readonly #census: CensusSource | null;
  readonly #costOf: ProxyMetricsOptions["costOf"] | null;
  readonly #maxTracked: number;
  /** Request id → the provider of its latest attempt (to count failovers). */
  readonly #lastProvider = new Map<string, string>();

  readonly #requests: Counter<"front_door" | "provider" | "model" | "status">;
  readonly #requestDuration: Histogram<"front_door" | "provider">;
  readonly #attempts: Counter<"provider" | "model" | "outcome">;
  readonly #failures: Counter<"provider" | "failure_class">;
  readonly #attemptDuration: Histogram<"provider" | "outcome">;
  readonly #firstByte: Histogram<"provider" | "stream">;
  readonly #tokens: Counter<"provider" | "model" | "kind">;
  readonly #cost: Counter<"provider" | "model">;
  readonly #unpriced: Counter<"provider" | "model">;
  readonly #retries: Counter<"provider">;
  readonly #failovers: Counter<"from_provider" | "to_provider">;
  readonly #stateChanges: Counter<"provider" | "state" | "reason">;
  readonly #queueWait: Histogram<"provider">;

  constructor(options: ProxyMetricsOptions = {}) {
    const { census = null, costOf = null, maxTrackedRequests = 10_000 } = options;
    this.#census = census;
    this.#costOf = costOf;
    this.#maxTracked = maxTrackedRequests;
    const registers = [this.registry];
    this.#requests = new Counter({
      name: "proxy_requests_total",
      help: "Client requests by front door, provider, model and HTTP status.",
      labelNames: ["front_door", "provider", "model", "status"],
      registers,
    });
    this.#requestDuration = new Histogram({
      name: "proxy_request_duration_seconds",
      help: "From receiving a client request to the start of its response (for streams, the first bytes).",
      labelNames: ["front_door", "provider"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#attempts = new Counter({
      name: "proxy_upstream_attempts_total",
      help: "Upstream attempts by provider, model and outcome (success, failure, cancelled).",
      labelNames: ["provider", "model", "outcome"],
      registers,
    });
    this.#failures = new Counter({
      name: "proxy_upstream_failures_total",
      help: "Failed upstream attempts by failure class (rate_limit, auth, server_error, timeout, ...).",
      labelNames: ["provider", "failure_class"],
      registers,
    });
    this.#attemptDuration = new Histogram({
      name: "proxy_upstream_duration_seconds",
      help: "From sending an upstream attempt to the end of its answer (a stream's last chunk).",
      labelNames: ["provider", "outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#firstByte = new Histogram({
      name: "proxy_time_to_first_token_seconds",
      help:
        "From sending an upstream attempt to its first byte (response headers; for streams the first token).",
      labelNames: ["provider", "stream"],
      buckets: FIRST_BYTE_BUCKETS,
      registers,
    });
    this.#tokens = new Counter({
      name: "proxy_tokens_total",
      help:
        "Tokens by kind: input and output (all of them), cached (part of input), reasoning (part of output).",
      labelNames: ["provider", "model", "kind"],
      registers,
    });
    this.#cost = new Counter({
      name: "proxy_cost_usd_total",
      help: "Estimated cost in USD from the model catalog's prices (or MODEL_PRICES).",
      labelNames: ["provider", "model"],
      registers,
    });
    this.#unpriced = new Counter({
      name: "proxy_unpriced_attempts_total",
      help: "Successful attempts whose cost is unknown (no price for the model).",
      labelNames: ["provider", "model"],
      registers,
    });
    this.#retries = new Counter({
      name: "proxy_retries_total",
      help: "Attempts after the first of a request, by the provider they went to.",
      labelNames: ["provider"],
      registers,
    });
    this.#failovers = new Counter({
      name: "proxy_failovers_total",
      help: "Retries that moved to another provider.",
      labelNames: ["from_provider", "to_provider"],
      registers,
    });
    this.#stateChanges = new Counter({
      name: "proxy_credential_state_changes_total",
      help: "Credential state changes by the state entered and its reason.",
      labelNames: ["provider", "state", "reason"],
      registers,
    });
    this.#queueWait = new Histogram({
      name: "proxy_queue_wait_seconds",
      help: "Time calls waited in a provider's queue for a credential slot.",
      labelNames: ["provider"],
      buckets: FIRST_BYTE_BUCKETS,
      registers,
    });
    const readCensus = () => this.#census?.() ?? [];
    new Gauge({
      name: "proxy_credentials",
      help: "Credentials by provider and state (available, cooling, disabled, needs_relogin).",
      labelNames: ["provider", "state"],
      registers,
      collect() {
        this.reset();
        for (const entry of readCensus()) {
          for (const state of CREDENTIAL_STATES) {
            this.set({ provider: entry.provider, state }, entry.credentials[state]);
          }
        }
      },
    });
    new Gauge({
      name: "proxy_queue_depth",
      help: "Calls waiting for a credential slot, by provider.",
      labelNames: ["provider"],
      registers,
      collect() {
        this.reset();
        for (const entry of readCensus()) this.set({ provider: entry.provider }, entry.waiting);
      },
    });
  }

  /** The content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Count one client request (called by the HTTP edge once the response starts). */
  recordRequest(facts: RequestFacts): void {
    this.#requests.inc({
      front_door: facts.frontDoor,
      provider: facts.provider,
      model: facts.model,
      status: String(facts.status),
    });
    this.#requestDuration.observe(
      { front_door: facts.frontDoor, provider: facts.provider },
      facts.durationMs / 1000,
    );
  }

  /** Time a call waited for a credential slot. */
  recordQueueWait(provider: string, waitedMs: number): void {
    this.#queueWait.observe({ provider }, waitedMs / 1000);
  }

  /** The event observer: subscribe it to the proxy's `EventHub`. */
  readonly observe = (event: ProxyEvent): void => {
    switch (event.type) {
      case "attempt-start": {
        const previous = this.#lastProvider.get(event.requestId);
        if (event.attempt > 1) {
          this.#retries.inc({ provider: event.provider });
          if (previous !== undefined && previous !== event.provider) {
            this.#failovers.inc({ from_provider: previous, to_provider: event.provider });
          }
        }
        this.#remember(event.requestId, event.provider);
        if (event.queuedMs !== undefined) this.recordQueueWait(event.provider, event.queuedMs);
        return;
      }
      case "attempt-end": {
        const { provider } = event;
        // Every made-up model id would be a series of its own, for ever: an attempt the upstream refused (a
        // model it does not know: 404, or 400) is counted without the model's name, as its request is.
        const model = event.status === 400 || event.status === 404 ? "-" : event.model;
        this.#attempts.inc({ provider, model, outcome: event.outcome });
        this.#attemptDuration.observe({ provider, outcome: event.outcome }, event.durationMs / 1000);
        if (event.ttfbMs !== undefined) {
          this.#firstByte.observe({ provider, stream: String(event.stream) }, event.ttfbMs / 1000);
        }
        if (event.outcome === "failure") {
          this.#failures.inc({ provider, failure_class: event.failureClass ?? "unknown" });
        } else {
          // Failed attempts are followed by the request's next one; anything else ends the request here.
          this.#lastProvider.delete(event.requestId);
        }
        const tokens = event.tokens;
        if (tokens) {
          this.#tokens.inc({ provider, model, kind: "input" }, tokens.promptTokens);
          this.#tokens.inc({ provider, model, kind: "output" }, tokens.completionTokens);
          this.#tokens.inc({ provider, model, kind: "cached" }, tokens.cachedTokens);
          this.#tokens.inc({ provider, model, kind: "reasoning" }, tokens.reasoningTokens);
          if (tokens.cacheCreationTokens) {
            this.#tokens.inc({ provider, model, kind: "cache_write" }, tokens.cacheCreationTokens);
          }
          const cost = event.costUsd ?? this.#costOf?.(`${provider}/${model}`, tokens) ?? null;
          if (cost === null) this.#unpriced.inc({ provider, model });
          else this.#cost.inc({ provider, model }, cost);
        }
        return;
      }
      case "credential-state":
        this.#stateChanges.inc({ provider: event.provider, state: event.state, reason: event.reason ?? "" });
        return;
    }
  };

  #remember(requestId: string, provider: string): void {
    this.#lastProvider.delete(requestId);
    this.#lastProvider.set(requestId, provider);
    if (this.#lastProvider.size > this.#maxTracked) {
      const oldest = this.#lastProvider.keys().next().value;
      if (oldest !== undefined) this.#lastProvider.delete(oldest);
    }
  }
}
