/**
 * Why a credential pool cannot serve a request: the errors a waiting request ends with. Pure functions
 * of what the last selection attempt found, so they read (and test) apart from the pool's bookkeeping.
 */
import { NoCredentialAvailableError } from "../errors.ts";

/** What a selection attempt found when no credential was free. */
export interface Miss {
  /** Some usable credential is only busy (at its concurrency cap): a release will free a slot. */
  waitForRelease: boolean;
  /** When the first cooling credential (or the provider) is available again; Infinity when none is. */
  earliestMs: number;
}

/**
 * Why waiting cannot help, as the error to throw (429 when only cooldowns past the deadline stand in
 * the way, 502 when only disabled credentials are left), or null when the request should wait.
 */
export function refusalOf(
  providerId: string,
  miss: Miss,
  deadlineAtMs: number,
  nowMs: number,
): NoCredentialAvailableError | null {
  if (miss.waitForRelease) return null;
  if (Number.isFinite(miss.earliestMs)) {
    if (miss.earliestMs <= deadlineAtMs) return null;
    const retryAfterMs = miss.earliestMs - nowMs;
    return new NoCredentialAvailableError(
      `every credential of ${providerId} is cooling down; the first is available in ${
        Math.ceil(retryAfterMs / 1000)
      } s`,
      { provider: providerId, retryAfterMs, status: 429 },
    );
  }
  // Only disabled credentials are left: the provider refused them (authentication). Retrying soon is futile.
  return new NoCredentialAvailableError(
    `every credential of ${providerId} is disabled after the provider refused it (authentication); ` +
      "disabled keys are tried again after AUTH_FAILURE_COOLDOWN or a restart",
    { provider: providerId, status: 502, code: "credentials_disabled" },
  );
}

/** The error of a request whose deadline passed while it waited. */
export function deadlineErrorOf(providerId: string, miss: Miss, nowMs: number): NoCredentialAvailableError {
  if (!miss.waitForRelease && Number.isFinite(miss.earliestMs)) {
    return new NoCredentialAvailableError(`every credential of ${providerId} is cooling down`, {
      provider: providerId,
      retryAfterMs: Math.max(0, miss.earliestMs - nowMs),
      status: 429,
    });
  }
  return new NoCredentialAvailableError(
    `every credential of ${providerId} stayed busy until the deadline (concurrency limit)`,
    { provider: providerId, status: 503 },
  );
}
