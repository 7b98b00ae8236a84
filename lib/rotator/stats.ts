/** What `/v1/quota-stats` shows of a pool: per key (masked) state, in-flight, usage windows, totals. */
import type { KeyPool } from "./key_pool.ts";
import { currentState, isNeedsRelogin, type KeyState } from "./key_state.ts";
import { emptyCounters, rollWindow, type UsageCounters } from "./usage.ts";

/** A state as shown to people: seconds left instead of an epoch. */
export interface StateView {
  state: KeyState["status"] | "needs_relogin";
  reason?: string;
  seconds_left?: number;
  until?: string;
}

/** Render a key state at `nowMs`. */
export function viewState(state: KeyState, nowMs: number): StateView {
  const current = currentState(state, nowMs);
  if (current.status === "available") return { state: "available" };
  // No end time: only a new login of the account brings it back.
  if (isNeedsRelogin(current)) {
    return { state: "needs_relogin", reason: "refresh token refused; log in again" };
  }
  return {
    state: current.status,
    reason: current.reason,
    seconds_left: Math.ceil((current.untilMs - nowMs) / 1000),
    until: new Date(current.untilMs).toISOString(),
  };
}

/** Statistics of one pool at `nowMs`. */
export function poolStats(pool: KeyPool, nowMs: number, usageResetUtcHour: number) {
  const credentials = pool.records.map((record) => {
    const totals = emptyCounters();
    const window = emptyCounters();
    const models: Record<string, unknown> = {};
    for (const [scope, scoped] of record.scopes) {
      rollWindow(scoped.usage, nowMs, usageResetUtcHour);
      add(totals, scoped.usage.totals);
      add(window, scoped.usage.window);
      models[scope] = {
        ...viewState(scoped.state, nowMs),
        strikes: scoped.strikes,
        window: scoped.usage.window,
        totals: scoped.usage.totals,
      };
    }
    const disabled = currentState(record.disabled, nowMs);
    const keyState = disabled.status !== "available" ? disabled : pool.providerState;
    return {
      key: record.credential.label,
      id: record.credential.id,
      priority: record.credential.priority,
      ...viewState(keyState, nowMs),
      in_flight: Object.fromEntries(record.inFlight),
      capacity: record.capacity,
      window,
      totals,
      models,
    };
  });
  return {
    provider_state: viewState(pool.providerState, nowMs),
    waiting: pool.waiting,
    credentials,
  };
}

function add(target: UsageCounters, source: UsageCounters): void {
  for (const key of Object.keys(target) as Array<keyof UsageCounters>) target[key] += source[key];
}

/** Where the usage every instance counted together is read (Redis, with `STATE_STORE=redis://…`). */
export interface SharedUsageReader {
  /** Every counted scope of `provider`, with the window `windowId` and the totals. */
  read(provider: string, windowId: number): Promise<SharedCounts[]>;
}

/** Counters of one credential's scope as every instance counted them together. */
export interface SharedCounts {
  credentialId: string;
  scope: string;
  window: UsageCounters;
  totals: UsageCounters;
}

/**
 * {@link poolStats} with the usage counted by every instance (shared state) instead of this instance's
 * own counts; states and in-flight calls stay as this instance sees them.
 */
export function withSharedCounts(
  stats: ReturnType<typeof poolStats>,
  shared: readonly SharedCounts[],
): ReturnType<typeof poolStats> {
  const byCredential = new Map<string, SharedCounts[]>();
  for (const entry of shared) {
    byCredential.set(entry.credentialId, [...(byCredential.get(entry.credentialId) ?? []), entry]);
  }
  const credentials = stats.credentials.map((credential) => {
    const entries = byCredential.get(credential.id) ?? [];
    const window = emptyCounters();
    const totals = emptyCounters();
    const models: Record<string, unknown> = { ...credential.models };
    for (const entry of entries) {
      add(window, entry.window);
      add(totals, entry.totals);
      const local = (models[entry.scope] ?? { state: "available" }) as Record<string, unknown>;
      models[entry.scope] = { ...local, window: entry.window, totals: entry.totals };
    }
    return { ...credential, window, totals, models };
  });
  return { ...stats, credentials };
}
