/**
 * What the listener knows about one client connection, and the pure rule that says when it must be
 * closed: a request's headers that take too long (slowloris), or a keep-alive connection left idle.
 * Times come from an injected clock, so the rule is tested without waiting.
 */

/** One client connection as the listener sees it. */
export interface ConnectionState {
  /** Requests whose response has not ended. */
  inFlight: number;
  /** When the client began a request that has not reached the handler yet (null: none pending). */
  pendingSinceMs: number | null;
  /** Last time bytes moved either way, or a response ended. */
  lastActivityMs: number;
}

/** The listener's time limits, in milliseconds. */
export interface ConnectionLimits {
  /** Time a client has from a request's first byte (or from connecting) to its last header. */
  headersTimeoutMs: number;
  /** Time an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

/** Why a connection is closed, or `keep`. */
export type ConnectionVerdict = "keep" | "headers_timeout" | "idle_timeout";

/** A new connection: waiting for its first request's headers since `nowMs`. */
export function newConnection(nowMs: number): ConnectionState {
  return { inFlight: 0, pendingSinceMs: nowMs, lastActivityMs: nowMs };
}

/** The client sent bytes: when no request is in flight they begin the next one. */
export function sawClientBytes(state: ConnectionState, nowMs: number): void {
  state.lastActivityMs = nowMs;
  if (state.inFlight === 0) state.pendingSinceMs ??= nowMs;
}

/** Bytes went to the client. */
export function sawServerBytes(state: ConnectionState, nowMs: number): void {
  state.lastActivityMs = nowMs;
}

/** A request reached the handler: its headers are complete. */
export function requestStarted(state: ConnectionState, nowMs: number): void {
  state.inFlight++;
  state.pendingSinceMs = null;
  state.lastActivityMs = nowMs;
}

/** A response ended (sent, failed or cancelled). */
export function responseEnded(state: ConnectionState, nowMs: number): void {
  state.inFlight = Math.max(0, state.inFlight - 1);
  state.lastActivityMs = nowMs;
}

/**
 * Whether the connection may stay open. A request in flight is never cut here (the upstream timeouts
 * bound it); a request still sending its headers gets `headersTimeoutMs`; an idle connection gets
 * `keepAliveTimeoutMs`.
 */
export function connectionVerdict(
  state: ConnectionState,
  nowMs: number,
  limits: ConnectionLimits,
): ConnectionVerdict {
  if (state.inFlight > 0) return "keep";
  if (state.pendingSinceMs !== null) {
    return nowMs - state.pendingSinceMs >= limits.headersTimeoutMs ? "headers_timeout" : "keep";
  }
  return nowMs - state.lastActivityMs >= limits.keepAliveTimeoutMs ? "idle_timeout" : "keep";
}
