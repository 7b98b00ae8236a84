/**
 * The rotator: runs one upstream call of a provider with one of its credentials. This first version
 * takes the provider's keys in turn (round robin); the full engine (cooldowns, retries, failover)
 * replaces the selection behind the same interface.
 */
import type { ConfiguredProvider } from "../../providers/mod.ts";
import type { Credential } from "../credentials/credential.ts";
import { NoCredentialAvailableError } from "../errors.ts";

/** How a call ended, reported once its response (or stream) is finished. */
export type CallOutcome = { ok: true } | { ok: false; error: unknown } | { ok: false; cancelled: true };

/** Options of {@link Rotator.execute}. */
export interface ExecuteOptions<T> {
  model: string;
  /** The client's signal; an aborted call is not counted as a success. */
  signal?: AbortSignal;
  /** One attempt with one credential. */
  attempt: (credential: Credential) => Promise<T>;
}

/** The result of an attempt plus a hook to report how the whole call ended. */
export interface ExecuteResult<T> {
  value: T;
  credential: Credential;
  /** Report the end of the call (after a stream has finished); idempotent. */
  finish(outcome: CallOutcome): void;
}

/** Chooses credentials and runs attempts. */
export class Rotator {
  readonly #next = new Map<string, number>();

  /** Run `options.attempt` with the next credential of `provider`. */
  async execute<T>(provider: ConfiguredProvider, options: ExecuteOptions<T>): Promise<ExecuteResult<T>> {
    const { credentials } = provider;
    if (credentials.length === 0) {
      throw new NoCredentialAvailableError(`provider ${provider.id} has no credentials`, {
        provider: provider.id,
        status: 503,
      });
    }
    const index = this.#next.get(provider.id) ?? 0;
    this.#next.set(provider.id, (index + 1) % credentials.length);
    const credential = credentials[index];
    const value = await options.attempt(credential);
    return { value, credential, finish: () => {} };
  }
}
