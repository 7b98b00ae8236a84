/**
 * The saved form of a credential pool (what `usage/usage_<provider>.json` holds) and the reading of one
 * back. A saved file is untrusted input: every value is checked, and times or counts that could break the
 * server (a cooldown until the year 287,000, a negative request count) are clamped or discarded on load.
 */
import { AVAILABLE, currentState, isCoolingReason, type KeyState } from "./key_state.ts";
import { emptyCounters, type UsageCounters, type UsageRecord } from "./usage.ts";

/** The saved state of a credential for one model or quota group. */
export interface ScopeSnapshot {
  state: KeyState;
  /** Consecutive failures on the escalation ladder. */
  strikes: number;
  /** Absent in a saved file whose usage could not be read (the counters then start afresh). */
  usage?: UsageRecord;
}

/** The saved state of one credential, keyed by its id (a hash, never the secret). */
export interface CredentialSnapshot {
  /** The masked label, so that a person reading the file knows which key it was. */
  label: string;
  disabled: KeyState;
  scopes: Record<string, ScopeSnapshot>;
}

/** The persisted form of one pool. */
export interface PoolSnapshot {
  version: 1;
  provider: string;
  savedAtMs: number;
  providerState: KeyState;
  credentials: Record<string, CredentialSnapshot>;
}

/** Longest cooldown a saved file may ask for: no upstream reset lies further than a week. */
export const MAX_SAVED_REST_MS = 7 * 24 * 3_600_000;
/** More strikes than this say nothing more: the ladder tops out long before. */
const MAX_STRIKES = 100;

/** Options of {@link readSnapshot}. */
export interface ReadSnapshotOptions {
  nowMs: number;
  /** Longest rest a saved state may still have; longer ones are clamped to it. */
  maxRestMs: number;
}

/** A snapshot read from untrusted JSON: only well-formed parts, clamped; null when it is not a snapshot. */
export function readSnapshot(value: unknown, options: ReadSnapshotOptions): PoolSnapshot | null {
  if (!isObject(value) || value.version !== 1 || !isObject(value.credentials)) return null;
  const credentials: Record<string, CredentialSnapshot> = {};
  for (const [id, saved] of Object.entries(value.credentials)) {
    if (!isObject(saved)) continue;
    const scopes: Record<string, ScopeSnapshot> = {};
    for (const [scope, scoped] of Object.entries(isObject(saved.scopes) ? saved.scopes : {})) {
      if (!isObject(scoped)) continue;
      const usage = readUsage(scoped.usage);
      scopes[scope] = {
        state: readState(scoped.state, options),
        strikes: readCount(scoped.strikes, MAX_STRIKES),
        ...(usage ? { usage } : {}),
      };
    }
    credentials[id] = {
      label: typeof saved.label === "string" ? saved.label : "",
      disabled: readState(saved.disabled, options),
      scopes,
    };
  }
  return {
    version: 1,
    provider: typeof value.provider === "string" ? value.provider : "",
    savedAtMs: typeof value.savedAtMs === "number" ? value.savedAtMs : 0,
    providerState: readState(value.providerState, options),
    credentials,
  };
}

/** A saved key state, expired ones as available, rests past `maxRestMs` from now clamped to it. */
export function readState(value: unknown, options: ReadSnapshotOptions): KeyState {
  const { nowMs, maxRestMs } = options;
  if (!isObject(value) || typeof value.untilMs !== "number" || !Number.isFinite(value.untilMs)) {
    return AVAILABLE;
  }
  const untilMs = Math.min(value.untilMs, nowMs + maxRestMs);
  if (value.status === "cooling" && isCoolingReason(value.reason)) {
    return currentState({ status: "cooling", untilMs, reason: value.reason }, nowMs);
  }
  if (value.status === "disabled") {
    return currentState({ status: "disabled", reason: "auth", untilMs }, nowMs);
  }
  return AVAILABLE;
}

/** A saved usage record, or null when it is not one. Counters must be finite and not negative. */
export function readUsage(value: unknown): UsageRecord | null {
  if (!isObject(value) || typeof value.windowId !== "number" || !Number.isSafeInteger(value.windowId)) {
    return null;
  }
  return { windowId: value.windowId, window: readCounters(value.window), totals: readCounters(value.totals) };
}

function readCounters(value: unknown): UsageCounters {
  const counters = emptyCounters();
  if (!isObject(value)) return counters;
  for (const key of Object.keys(counters) as Array<keyof UsageCounters>) {
    const saved = value[key];
    if (
      typeof saved === "number" && Number.isFinite(saved) && saved >= 0 && saved <= Number.MAX_SAFE_INTEGER
    ) {
      counters[key] = saved;
    }
  }
  return counters;
}

function readCount(value: unknown, max: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0
    ? Math.min(Math.floor(value), max)
    : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
