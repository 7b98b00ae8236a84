/**
 * The state machine of a credential: `available | cooling{untilMs, reason} | disabled{reason}`.
 * States expire lazily when read with the current time; nothing runs in the background.
 */

/** Why a credential rests. */
export type CoolingReason =
  | "rate_limit"
  | "quota_exhausted"
  | "server_error"
  | "connection"
  | "timeout"
  | "provider_cooldown";

/** Every cooling reason, for validating saved state. */
export const COOLING_REASONS: ReadonlySet<string> = new Set<CoolingReason>([
  "rate_limit",
  "quota_exhausted",
  "server_error",
  "connection",
  "timeout",
  "provider_cooldown",
]);

/** Whether a string names a {@link CoolingReason}. */
export function isCoolingReason(value: unknown): value is CoolingReason {
  return typeof value === "string" && COOLING_REASONS.has(value);
}

/**
 * Why a credential is out of use until reload or a long cooldown: the upstream refused it (`auth`), or
 * it is an OAuth account whose refresh token is dead until the user logs in again (`needs_relogin`).
 */
export type DisabledReason = "auth" | "needs_relogin";

/** Whether the state is an OAuth account waiting for a new login. */
export function isNeedsRelogin(state: KeyState): boolean {
  return state.status === "disabled" && state.reason === "needs_relogin";
}

/** The state of a credential for one model or quota group (or of the whole credential). */
export type KeyState =
  | { readonly status: "available" }
  | { readonly status: "cooling"; readonly untilMs: number; readonly reason: CoolingReason }
  | { readonly status: "disabled"; readonly reason: DisabledReason; readonly untilMs: number };

/** The available state. */
export const AVAILABLE: KeyState = Object.freeze({ status: "available" });

/** The state as of `nowMs`: a cooldown or disable whose time has passed reads as available. */
export function currentState(state: KeyState, nowMs: number): KeyState {
  if (state.status !== "available" && state.untilMs <= nowMs) return AVAILABLE;
  return state;
}

/** Enter a cooldown; an existing longer rest is kept (a shorter reset never shortens it). */
export function cool(state: KeyState, untilMs: number, reason: CoolingReason, nowMs: number): KeyState {
  const current = currentState(state, nowMs);
  if (current.status !== "available" && current.untilMs >= untilMs) return current;
  if (current.status === "disabled") return current;
  return { status: "cooling", untilMs, reason };
}

/** Disable until `untilMs` (e.g. an auth failure); wins over any cooldown. */
export function disable(reason: DisabledReason, untilMs: number): KeyState {
  return { status: "disabled", reason, untilMs };
}

/** Milliseconds until the state is available again (0 when it is). */
export function remainingMs(state: KeyState, nowMs: number): number {
  const current = currentState(state, nowMs);
  return current.status === "available" ? 0 : current.untilMs - nowMs;
}
