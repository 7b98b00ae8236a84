/**
 * The proxy's event stream: what the rotator and the upstream client did, as typed events. Persistence,
 * request logs, metrics and shared state subscribe to it. Observers run after the call's own work, in a
 * batch on a later macrotask, each inside its own try/catch, so an observer that throws or is slow can
 * never break or delay a call (it can only delay other observers).
 */
import type { FailureClass } from "./failure.ts";
import type { TokenUsage } from "./usage.ts";

/** The front door a request came through (the client's API). */
export type FrontDoor = "openai" | "anthropic" | "responses" | "gemini" | "embeddings" | "library";

/** What every attempt event names. */
export interface AttemptFacts {
  /** The proxy's request id (`x-proxy-request-id`). */
  requestId: string;
  frontDoor: FrontDoor;
  provider: string;
  /** The model as the provider knows it (no `provider/` prefix). */
  model: string;
  /** Stable credential id (a hash, or the OAuth account key); never the secret. */
  credentialId: string;
  /** The masked label shown in logs (`…a1b2`, or an account's e-mail). */
  credentialLabel: string;
  /** 1 for the first attempt of a request, 2 for the next, … */
  attempt: number;
  stream: boolean;
}

/** An attempt was sent upstream. */
export interface AttemptStartEvent extends AttemptFacts {
  type: "attempt-start";
  atMs: number;
  /** How long the attempt waited for a credential slot (the provider's queue, or a cooldown's end). */
  queuedMs?: number;
}

/** An attempt ended: the answer (or stream) is complete, failed, or the client left. */
export interface AttemptEndEvent extends AttemptFacts {
  type: "attempt-end";
  atMs: number;
  outcome: "success" | "failure" | "cancelled";
  /** The upstream's HTTP status, when there was one. */
  status?: number;
  failureClass?: FailureClass;
  /** Short, secret-free summary of a failure. */
  error?: string;
  /**
   * The upstream's answer body of a refused attempt, truncated to 2,000 characters. It may echo a key:
   * an observer that writes it anywhere must redact it.
   */
  body?: string;
  /** The failure came after output had reached the client (never retried). */
  afterOutput?: boolean;
  /** From sending to the response headers. */
  ttfbMs?: number;
  /** From sending to the end of the body. */
  durationMs: number;
  tokens?: TokenUsage | null;
  /** Estimated cost in USD, null when the model's price is unknown. */
  costUsd?: number | null;
}

/** A credential's state changed for a model (or quota group), or for all its models (`scope` null). */
export interface CredentialStateEvent {
  type: "credential-state";
  atMs: number;
  provider: string;
  credentialId: string;
  credentialLabel: string;
  scope: string | null;
  state: "available" | "cooling" | "disabled" | "needs_relogin";
  /** Why it rests (a cooling or disabled reason). */
  reason?: string;
  /** Epoch ms until which it rests. */
  untilMs?: number;
}

/** Any event of the proxy. */
export type ProxyEvent = AttemptStartEvent | AttemptEndEvent | CredentialStateEvent;

/** Something that wants to see events. Its return value is ignored; a rejected promise is logged. */
export type EventObserver = (event: ProxyEvent) => void | Promise<void>;

/** Options of {@link EventHub}. */
export interface EventHubOptions {
  /** Told when an observer throws or rejects; must not throw itself. @default ignore */
  onObserverError?: (error: unknown) => void;
  /** Schedules delivery of a batch. @default setTimeout(run, 0) */
  schedule?: (run: () => void) => void;
}

/** Fans events out to observers, off the call's path. */
export class EventHub {
  readonly #observers = new Set<EventObserver>();
  readonly #onObserverError: (error: unknown) => void;
  readonly #schedule: (run: () => void) => void;
  #pending: ProxyEvent[] = [];

  constructor(options: EventHubOptions = {}) {
    this.#onObserverError = options.onObserverError ?? (() => {});
    this.#schedule = options.schedule ?? ((run) => setTimeout(run, 0));
  }

  /** Add an observer; returns the function that removes it. */
  subscribe(observer: EventObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Whether anyone listens (callers may skip building an event nobody reads). */
  get observed(): boolean {
    return this.#observers.size > 0;
  }

  /** Queue an event; it reaches observers on a later macrotask, never synchronously. */
  emit(event: ProxyEvent): void {
    if (this.#observers.size === 0) return;
    this.#pending.push(event);
    if (this.#pending.length === 1) this.#schedule(() => this.#deliver());
  }

  /** Deliver whatever is queued now (tests and shutdown). */
  flush(): void {
    this.#deliver();
  }

  #deliver(): void {
    const batch = this.#pending;
    this.#pending = [];
    for (const event of batch) {
      for (const observer of this.#observers) {
        try {
          const result = observer(event);
          if (result instanceof Promise) result.catch(this.#onObserverError);
        } catch (error) {
          this.#onObserverError(error);
        }
      }
    }
  }
}
