/**
 * What a Worker handed over on reload still counts while it drains. It saved its pools before the new
 * Worker loaded them; the calls that finish afterwards (streams in flight across the reload) and the
 * rests they caused are measured against that saved baseline and added to the new Worker's pools, so
 * that neither Worker's counts are lost when both wrote the same files.
 */
import type { KeyState } from "../../rotator/key_state.ts";
import type { PoolSnapshot } from "../../rotator/pool_snapshot.ts";
import { emptyCounters, type UsageCounters, type UsageRecord } from "../../rotator/usage.ts";

/** What one scope (a model or quota group) of one credential gained since the baseline. */
export interface ScopeDelta {
  /** The window `window` belongs to. */
  windowId: number;
  window: UsageCounters;
  totals: UsageCounters;
  /** The scope's state when it changed since the baseline (a rest taken while draining). */
  state?: KeyState;
}

/** What one provider's pool gained since the baseline, by credential id and scope. */
export interface UsageDelta {
  provider: string;
  credentials: Record<string, Record<string, ScopeDelta>>;
}

/** The counts and rests `final` has beyond `baseline` (snapshots of the same pool); null when none. */
export function usageSince(baseline: PoolSnapshot | undefined, final: PoolSnapshot): UsageDelta | null {
  const credentials: UsageDelta["credentials"] = {};
  let any = false;
  for (const [id, credential] of Object.entries(final.credentials)) {
    for (const [scope, scoped] of Object.entries(credential.scopes)) {
      const before = baseline?.credentials[id]?.scopes[scope];
      const usage = scoped.usage;
      const previous = before?.usage;
      const totals = usage ? difference(usage.totals, previous?.totals) : emptyCounters();
      const window = usage
        ? difference(usage.window, previous?.windowId === usage.windowId ? previous.window : undefined)
        : emptyCounters();
      const stateChanged = JSON.stringify(scoped.state) !== JSON.stringify(before?.state ?? scoped.state) ||
        (before === undefined && scoped.state.status !== "available");
      if (totals.requests === 0 && !stateChanged) continue;
      any = true;
      (credentials[id] ??= {})[scope] = {
        windowId: usage?.windowId ?? 0,
        window,
        totals,
        ...(stateChanged ? { state: scoped.state } : {}),
      };
    }
  }
  return any ? { provider: final.provider, credentials } : null;
}

/** `current` with `delta` added: counters summed, a rest taken while draining kept if it lasts longer. */
export function withUsage(current: PoolSnapshot, delta: UsageDelta): PoolSnapshot {
  const credentials = structuredClone(current.credentials);
  for (const [id, scopes] of Object.entries(delta.credentials)) {
    const credential = credentials[id];
    // A credential the new configuration dropped keeps nothing.
    if (!credential) continue;
    for (const [scope, gained] of Object.entries(scopes)) {
      const target = credential.scopes[scope] ??= { state: { status: "available" }, strikes: 0 };
      target.usage = added(target.usage, gained);
      if (gained.state && lastsLonger(gained.state, target.state)) target.state = gained.state;
    }
  }
  return { ...current, credentials };
}

function added(record: UsageRecord | undefined, gained: ScopeDelta): UsageRecord {
  const base = record ?? { windowId: gained.windowId, window: emptyCounters(), totals: emptyCounters() };
  const totals = sum(base.totals, gained.totals);
  if (gained.windowId === base.windowId) {
    return { windowId: base.windowId, window: sum(base.window, gained.window), totals };
  }
  // The draining Worker counted in a later window than the saved one: that window starts with its counts.
  return gained.windowId > base.windowId
    ? { windowId: gained.windowId, window: { ...gained.window }, totals }
    : { ...base, totals };
}

function lastsLonger(next: KeyState, current: KeyState): boolean {
  if (next.status === "available") return false;
  return current.status === "available" || next.untilMs > current.untilMs;
}

function difference(after: UsageCounters, before: UsageCounters | undefined): UsageCounters {
  const result = emptyCounters();
  for (const name of Object.keys(result) as Array<keyof UsageCounters>) {
    result[name] = Math.max(0, after[name] - (before?.[name] ?? 0));
  }
  return result;
}

function sum(left: UsageCounters, right: UsageCounters): UsageCounters {
  const result = emptyCounters();
  for (const name of Object.keys(result) as Array<keyof UsageCounters>) {
    result[name] = (left[name] ?? 0) + (right[name] ?? 0);
  }
  return result;
}
