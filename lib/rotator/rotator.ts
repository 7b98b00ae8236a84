/**
 * The rotator: runs one client call against a provider's credential pool under a deadline. It picks
 * the best credential, classifies each failure, cools or disables the credential that failed, retries
 * on another one (or the next alias target), and reports usage when the call has ended.
 */
import type { RotationSettings } from "../config/rotation.ts";
import { defaultProviderRotation } from "../config/rotation.ts";
import { costOf, type ModelPrice, priceOf } from "../config/pricing.ts";
import type { Credential } from "../credentials/credential.ts";
import { NoCredentialAvailableError, readUpstreamErrorBody, RequestError, UpstreamError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { ConfiguredProvider } from "../../providers/mod.ts";
import { type Clock, sleep, systemClock } from "./clock.ts";
import type { AttemptFacts, EventHub, FrontDoor } from "./events.ts";
import type { SharedPool } from "./shared_pool.ts";
import { backoffMs, classifyFailure, type FailureClass, type FailureVerdict } from "./failure.ts";
import { isUnknownModel } from "./unknown_model.ts";
import { refineVerdict } from "./vendor_failure.ts";
import { KeyPool, type Lease } from "./key_pool.ts";
import { SessionAffinity } from "./session_affinity.ts";
import { ClientAbortError } from "./upstream_call.ts";
import type { TokenUsage } from "./usage.ts";

/** How a call ended, reported once its response (or stream) is finished. */
export type CallOutcome =
  | { ok: true; tokens?: TokenUsage | null }
  | { ok: false; error: unknown }
  | { ok: false; cancelled: true };

/** One provider and model to try; an alias has several, in order. */
export interface Target {
  provider: ConfiguredProvider;
  model: string;
}

/** What one attempt gets to work with. */
export interface AttemptContext {
  credential: Credential;
  target: Target;
  /** Epoch ms by which the first byte must have arrived (the global deadline). */
  deadlineAtMs: number;
  /** 1 for the first attempt of the call, 2 for the next, … */
  attempt: number;
  /** Tell the rotator the response headers arrived (the attempt's time to first byte, for events). */
  headersReceived(): void;
}

/** Who a call is for, as attempt events name it. */
export interface CallFacts {
  /** The proxy's request id. @default "" */
  requestId?: string;
  /** @default "library" */
  frontDoor?: FrontDoor;
  /** @default false */
  stream?: boolean;
  /**
   * The client's session hint (`prompt_cache_key`, `user`, `metadata.user_id`): with `SESSION_AFFINITY`
   * the call goes to the key that served the session last while it may. Never named in events or logs.
   */
  session?: string;
}

/** Options of {@link Rotator.execute}. */
export interface ExecuteOptions<T> {
  targets: readonly Target[];
  /** The client's signal; a disconnect releases the credential at once and is not a success. */
  signal?: AbortSignal;
  /** One attempt with one credential; throws `UpstreamError` when the upstream fails. */
  attempt: (context: AttemptContext) => Promise<T>;
  /** Named in attempt events. */
  facts?: CallFacts;
}

/** The result of the successful attempt plus a hook to report how the whole call ended. */
export interface ExecuteResult<T> {
  value: T;
  credential: Credential;
  target: Target;
  /** Report the end of the call (after a stream has finished) and free the slot; idempotent. */
  finish(outcome: CallOutcome): void;
}

/** Options of {@link Rotator}. */
export interface RotatorOptions {
  settings: RotationSettings;
  /** `GLOBAL_TIMEOUT` in ms: waiting for a key plus all attempts until the first byte. */
  globalTimeoutMs: number;
  /** @default systemClock */
  clock?: Clock;
  /** @default Math.random */
  random?: () => number;
  logger?: Logger;
  /** First backoff ceiling after a transient failure. @default 250 */
  backoffBaseMs?: number;
  /** Called after any change of pool state worth persisting (usage included; persistence debounces it). */
  onChange?: (providerId: string) => void;
  /** Where attempt and credential-state events go. */
  events?: EventHub;
  /** Slots, rests and usage shared with other instances (`STATE_STORE=redis://…`). */
  shared?: SharedPool;
  /** Model prices (`MODEL_PRICES`) for estimated costs. */
  prices?: ReadonlyMap<string, ModelPrice>;
  /** Estimated cost of `provider/model` tokens (the model catalog's prices); replaces `prices` when set. */
  costOf?: (name: string, tokens: TokenUsage) => number | null;
}

interface FailedAttempt {
  provider: string;
  label: string;
  failureClass: FailureClass;
  status: number;
}

/** Chooses credentials and runs attempts with retries and failover. */
export class Rotator {
  readonly #pools = new Map<string, KeyPool>();
  readonly #options: RotatorOptions & { clock: Clock; random: () => number; backoffBaseMs: number };

  constructor(providers: readonly ConfiguredProvider[], options: RotatorOptions) {
    this.#options = { clock: systemClock, random: Math.random, backoffBaseMs: 250, ...options };
    for (const provider of providers) this.#pools.set(provider.id, this.#newPool(provider));
  }

  #newPool(provider: ConfiguredProvider): KeyPool {
    const { settings, clock, random, onChange, events, shared } = this.#options;
    return new KeyPool(provider.id, provider.credentials, {
      rotation: settings.providers.get(provider.id) ?? defaultProviderRotation(),
      tolerance: settings.tolerance,
      authFailureCooldownMs: settings.authFailureCooldownMs,
      usageResetUtcHour: settings.usageResetUtcHour,
      clock,
      random,
      onChange: onChange ? () => onChange(provider.id) : undefined,
      events,
      shared,
      costOf: (model, tokens) => this.#costOf(provider.id, model, tokens),
      quotaGroupOf: provider.adapter.quotaGroup,
      affinity: settings.sessionAffinity === false ? undefined : new SessionAffinity({ clock }),
    });
  }

  /**
   * Give a provider a pool of `provider.credentials` (an OAuth login, import or removal while running):
   * states and usage of credentials that stay are kept; calls in flight finish on the old pool.
   */
  setCredentials(provider: ConfiguredProvider): void {
    const previous = this.#pools.get(provider.id);
    const pool = this.#newPool(provider);
    if (previous) pool.restore(previous.snapshot());
    this.#pools.set(provider.id, pool);
  }

  /** Drop a provider's pool (its last credential left). */
  removePool(providerId: string): void {
    this.#pools.delete(providerId);
  }

  #costOf(providerId: string, model: string, tokens: TokenUsage): number | null {
    if (this.#options.costOf) return this.#options.costOf(`${providerId}/${model}`, tokens);
    const price = priceOf(this.#options.prices ?? new Map(), `${providerId}/${model}`);
    return price ? costOf(price, tokens) : null;
  }

  /** The pool of a provider. */
  pool(providerId: string): KeyPool | undefined {
    return this.#pools.get(providerId);
  }

  /** Every pool, by provider id. */
  get pools(): ReadonlyMap<string, KeyPool> {
    return this.#pools;
  }

  /** Run the call: targets in order, credentials of each chosen by its pool, until one succeeds. */
  async execute<T>(options: ExecuteOptions<T>): Promise<ExecuteResult<T>> {
    const { targets, signal, attempt } = options;
    const session = options.facts?.session;
    const { clock, logger } = this.#options;
    const deadlineAtMs = clock.now() + this.#options.globalTimeoutMs;
    const maxRetries = this.#options.settings.maxRetries ?? Infinity;
    const failures: FailedAttempt[] = [];
    let refusal: NoCredentialAvailableError | null = null;
    let contextError: RequestError | null = null;
    let attempts = 0;

    for (const [position, target] of targets.entries()) {
      const pool = this.#pools.get(target.provider.id);
      if (!pool) continue;
      const exclude = new Set<string>();
      let transientFailures = 0;
      for (;;) {
        // After a failure, no new attempt starts past the deadline, nor past `MAX_RETRIES`.
        if (failures.length > 0 && clock.now() >= deadlineAtMs) break;
        if (attempts > maxRetries) break;
        let lease: Lease;
        const askedAtMs = clock.now();
        try {
          lease = await pool.acquire(target.model, { deadlineAtMs, signal, exclude, session });
        } catch (error) {
          if (error instanceof NoCredentialAvailableError) {
            refusal = error;
            break;
          }
          throw error;
        }
        if (logger?.enabled("debug")) {
          const waited = failures.length > 0 ? ` after ${failures.length} failed attempt(s)` : "";
          logger.debug(`${pool.providerId}/${target.model} key=${lease.credential.label}: sending${waited}`);
        }
        const report = this.#reporter(options.facts, lease, target, ++attempts, clock.now() - askedAtMs);
        try {
          const value = await attempt({
            credential: lease.credential,
            target,
            deadlineAtMs,
            attempt: attempts,
            headersReceived: report.headersReceived,
          });
          return {
            value,
            credential: lease.credential,
            target,
            finish: finisher(pool, lease, { clock, report }),
          };
        } catch (error) {
          if (error instanceof ClientAbortError || signal?.aborted) {
            pool.recordResult(lease, { outcome: "cancelled" });
            lease.release();
            report.end({ outcome: "cancelled" });
            throw error instanceof ClientAbortError ? error : new ClientAbortError("client disconnected");
          }
          if (!(error instanceof UpstreamError)) {
            lease.release();
            report.end({ outcome: "failure", error: error instanceof Error ? error.message : String(error) });
            throw error;
          }
          const verdict = refineVerdict(
            classifyFailure(error, clock.now()),
            error.kind === "http"
              ? target.provider.adapter.readFailure?.(error.status, error.body, clock.now()) ?? null
              : null,
            clock.now(),
          );
          // The upstream does not know the model: the pool keeps nothing for it.
          const unknownModel = error.kind === "http" && isUnknownModel(error.status, error.body);
          pool.recordResult(lease, { outcome: "failure", verdict, unknownModel });
          lease.release();
          report.end({ outcome: "failure", verdict, status: error.status, body: error.body.slice(0, 2_000) });
          const { failureClass, next } = verdict;
          failures.push({
            provider: pool.providerId,
            label: lease.credential.label,
            failureClass,
            status: error.status,
          });
          const said = next === "answer"
            ? ""
            : next === "next_target"
            ? (position < targets.length - 1 ? "; trying the next target" : "")
            : "; trying another credential";
          logger?.warn(
            `${pool.providerId}/${target.model} key=${lease.credential.label}: ${verdict.summary}${said}`,
          );
          if (next === "answer") throw error;
          if (next === "next_target") {
            contextError = new RequestError(
              400,
              `${pool.providerId}: ${readUpstreamErrorBody(error.body).message ?? error.message}`,
              {
                code: "context_length_exceeded",
                param: "messages",
              },
            );
            if (position === targets.length - 1) throw contextError;
            break;
          }
          if (!verdict.sameKeyAgain) exclude.add(lease.credential.id);
          if (verdict.backoff) {
            const delay = backoffMs(transientFailures++, {
              baseMs: this.#options.backoffBaseMs,
              random: this.#options.random,
            });
            if (clock.now() + delay >= deadlineAtMs) break;
            if (delay > 0) {
              await sleep(clock, delay, signal).catch(() => {
                throw new ClientAbortError("client disconnected");
              });
            }
          }
        }
      }
    }
    throw contextError ?? this.#finalError(targets, failures, refusal);
  }

  /** Emits the attempt's start now, and its end (once) when told; a no-op when nobody listens. */
  #reporter(
    facts: CallFacts | undefined,
    lease: Lease,
    target: Target,
    attempt: number,
    queuedMs: number,
  ): AttemptReporter {
    const { events, clock } = this.#options;
    const startedAtMs = clock.now();
    let headersAtMs: number | null = null;
    const headersReceived = () => {
      headersAtMs ??= clock.now();
    };
    if (!events?.observed) return { headersReceived, end: () => {} };
    const base: AttemptFacts = {
      requestId: facts?.requestId ?? "",
      frontDoor: facts?.frontDoor ?? "library",
      provider: target.provider.id,
      model: target.model,
      credentialId: lease.credential.id,
      credentialLabel: lease.credential.label,
      attempt,
      stream: facts?.stream ?? false,
    };
    events.emit({ type: "attempt-start", atMs: startedAtMs, ...base, queuedMs });
    let ended = false;
    return {
      headersReceived,
      end: (end) => {
        if (ended) return;
        ended = true;
        const atMs = clock.now();
        const tokens = end.tokens ?? null;
        events.emit({
          type: "attempt-end",
          atMs,
          ...base,
          outcome: end.outcome,
          durationMs: atMs - startedAtMs,
          ...(headersAtMs === null ? {} : { ttfbMs: headersAtMs - startedAtMs }),
          ...(end.status ? { status: end.status } : {}),
          ...(end.verdict ? { failureClass: end.verdict.failureClass, error: end.verdict.summary } : {}),
          ...(end.error ? { error: end.error } : {}),
          ...(end.body ? { body: end.body } : {}),
          ...(end.afterOutput ? { afterOutput: true } : {}),
          ...(end.outcome === "success"
            ? { tokens, costUsd: tokens ? this.#costOf(target.provider.id, target.model, tokens) : null }
            : {}),
        });
      },
    };
  }

  /** The error after every target failed: 429 while only cooldowns stood in the way, else 502/503/504. */
  #finalError(
    targets: readonly Target[],
    failures: readonly FailedAttempt[],
    refusal: NoCredentialAvailableError | null,
  ): NoCredentialAvailableError {
    const provider = targets.map((target) => target.provider.id).join(", ");
    const tried = summarize(failures);
    const upstreamFailures = failures.filter((failure) =>
      failure.failureClass !== "rate_limit" && failure.failureClass !== "quota_exhausted"
    );
    if (upstreamFailures.length === 0 && refusal?.status === 429) {
      return new NoCredentialAvailableError(`${refusal.message}${tried ? `; tried: ${tried}` : ""}`, {
        provider,
        retryAfterMs: refusal.retryAfterMs,
        status: 429,
      });
    }
    if (upstreamFailures.length === 0) {
      const message = refusal?.message ?? `no credential of ${provider} could serve the request`;
      return new NoCredentialAvailableError(`${message}${tried ? `; tried: ${tried}` : ""}`, {
        provider,
        // Only rate limits, and no pool refusal: `MAX_RETRIES` stopped the call; it was rate limited.
        status: refusal?.status ?? (failures.length > 0 ? 429 : 503),
        retryAfterMs: refusal?.retryAfterMs ?? null,
        ...(refusal ? { code: refusal.code } : {}),
      });
    }
    const classes = new Set(upstreamFailures.map((failure) => failure.failureClass));
    const only = (failureClass: FailureClass) => classes.size === 1 && classes.has(failureClass);
    // Overloaded everywhere (503, Anthropic's 529): say so, so that Anthropic clients get their 529.
    const overloaded = upstreamFailures.every((failure) => failure.status === 503 || failure.status === 529);
    const [status, code] = only("timeout")
      ? [504, "upstream_timeout"]
      : overloaded
      ? [503, "upstream_overloaded"]
      : classes.has("server_error")
      ? [502, "upstream_error"]
      : only("auth")
      // Every key was refused: the proxy's credentials need attention, not the upstream's network.
      ? [502, "upstream_auth_failed"]
      : only("connection")
      ? [503, "upstream_unreachable"]
      : [503, "upstream_unavailable"];
    const what = code === "upstream_auth_failed"
      ? `${provider} refused every key (authentication: check the keys)`
      : `every attempt on ${provider} failed`;
    return new NoCredentialAvailableError(`${what}; tried: ${tried}`, {
      provider,
      status,
      code,
    });
  }
}

/** How an attempt ended, for its `attempt-end` event. */
interface AttemptEnd {
  outcome: "success" | "failure" | "cancelled";
  verdict?: FailureVerdict;
  status?: number;
  error?: string;
  /** The upstream's answer to a refused attempt (truncated). */
  body?: string;
  tokens?: TokenUsage | null;
  afterOutput?: boolean;
}

interface AttemptReporter {
  headersReceived(): void;
  end(end: AttemptEnd): void;
}

function finisher(
  pool: KeyPool,
  lease: Lease,
  options: { clock: Clock; report: AttemptReporter },
): (outcome: CallOutcome) => void {
  const { clock, report } = options;
  let finished = false;
  return (outcome) => {
    if (finished) return;
    finished = true;
    if (outcome.ok) {
      pool.recordResult(lease, { outcome: "success", tokens: outcome.tokens });
      report.end({ outcome: "success", tokens: outcome.tokens });
    } else if ("cancelled" in outcome) {
      pool.recordResult(lease, { outcome: "cancelled" });
      report.end({ outcome: "cancelled" });
    } else {
      const error = outcome.error instanceof UpstreamError ? outcome.error : new UpstreamError(
        "the stream broke after output began",
        { kind: "connection", provider: pool.providerId },
      );
      const verdict = classifyFailure(error, clock.now());
      pool.recordResult(lease, { outcome: "failure", verdict, afterOutput: true });
      report.end({ outcome: "failure", verdict, status: error.status, afterOutput: true });
    }
    lease.release();
  };
}

/** `2× server_error (…a1b2, …c3d4), 1× auth (…e5f6)`: what was tried, keys masked. */
function summarize(failures: readonly FailedAttempt[]): string {
  const byClass = new Map<string, string[]>();
  for (const failure of failures) {
    const name = failure.status ? `${failure.failureClass} ${failure.status}` : failure.failureClass;
    byClass.set(name, [...(byClass.get(name) ?? []), failure.label]);
  }
  // Each key once (a key retried after its cooldown fails again and again), at most five named.
  return [...byClass].map(([name, labels]) => {
    const keys = [...new Set(labels)];
    const named = keys.length > 5 ? [...keys.slice(0, 5), `${keys.length - 5} more`] : keys;
    return `${labels.length}× ${name} (${named.join(", ")})`;
  }).join(", ");
}
