/**
 * A credential's state as people see it (available, cooling with time left, disabled, needs
 * re-login), worked out from its saved record at a given time. Pure, so the countdown of the quota
 * viewer is a re-render with a later `nowMs`.
 */
import type { SavedCredential, SavedPool, SavedState } from "./saved_pools.ts";
import { formatDuration } from "./table.ts";

/** A credential's state at one moment. */
export type CredentialStatus =
  | { status: "available" }
  | { status: "cooling"; untilMs: number; reason: string; scope: string | null }
  | { status: "disabled"; untilMs: number | null; reason: string }
  | { status: "needs_relogin"; reason: string };

/** Still in force at `nowMs`: a state whose time has passed is no state. */
function inForce(state: SavedState, nowMs: number): boolean {
  if (state.status === "available") return false;
  if (state.status === "needs_relogin") return true;
  return state.untilMs === undefined || state.untilMs > nowMs;
}

/**
 * The state of a credential: needs re-login or disabled first, then a cooldown of the whole provider,
 * then the longest cooldown of one of its models (or quota groups).
 */
export function credentialStatus(
  credential: SavedCredential | undefined,
  pool: SavedPool | undefined,
  nowMs: number,
): CredentialStatus {
  if (!credential) return { status: "available" };
  const states = [credential.disabled, ...[...credential.scopes.values()].map((scope) => scope.state)];
  const relogin = states.find((state) => state.status === "needs_relogin");
  if (relogin) return { status: "needs_relogin", reason: relogin.reason ?? "the account must sign in again" };
  if (inForce(credential.disabled, nowMs)) {
    return {
      status: "disabled",
      untilMs: credential.disabled.untilMs ?? null,
      reason: credential.disabled.reason ?? "auth",
    };
  }
  if (pool && pool.providerState.status === "cooling" && inForce(pool.providerState, nowMs)) {
    return {
      status: "cooling",
      untilMs: pool.providerState.untilMs ?? nowMs,
      reason: pool.providerState.reason ?? "provider_cooldown",
      scope: null,
    };
  }
  let longest: CredentialStatus = { status: "available" };
  for (const [scope, { state }] of credential.scopes) {
    if (!inForce(state, nowMs)) continue;
    const untilMs = state.untilMs ?? nowMs;
    if (state.status === "disabled") {
      return { status: "disabled", untilMs, reason: state.reason ?? "auth" };
    }
    if (longest.status !== "cooling" || untilMs > longest.untilMs) {
      longest = { status: "cooling", untilMs, reason: state.reason ?? "cooling", scope };
    }
  }
  return longest;
}

/** One short phrase: `available`, `cooling 42s (rate_limit, gpt-4o)`, `disabled 59m 10s (auth)`. */
export function describeStatus(status: CredentialStatus, nowMs: number): string {
  switch (status.status) {
    case "available":
      return "available";
    case "cooling": {
      const detail = status.scope === null ? status.reason : `${status.reason}, ${status.scope}`;
      return `cooling ${formatDuration(status.untilMs - nowMs)} (${detail})`;
    }
    case "disabled":
      return status.untilMs === null
        ? `disabled (${status.reason})`
        : `disabled ${formatDuration(status.untilMs - nowMs)} (${status.reason})`;
    case "needs_relogin":
      return `needs re-login (${status.reason})`;
  }
}

/** The state as JSON: seconds left instead of an epoch. */
export function statusJson(status: CredentialStatus, nowMs: number): Record<string, unknown> {
  switch (status.status) {
    case "available":
      return { state: "available" };
    case "cooling":
      return {
        state: "cooling",
        reason: status.reason,
        scope: status.scope,
        seconds_left: Math.max(0, Math.ceil((status.untilMs - nowMs) / 1000)),
      };
    case "disabled":
      return {
        state: "disabled",
        reason: status.reason,
        seconds_left: status.untilMs === null
          ? null
          : Math.max(0, Math.ceil((status.untilMs - nowMs) / 1000)),
      };
    case "needs_relogin":
      return { state: "needs_relogin", reason: status.reason };
  }
}
