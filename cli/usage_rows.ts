/**
 * The rows of the quota and usage view, from the local usage files or a running proxy's
 * `/v1/quota-stats`: per provider and credential, the state (with the time it ends, so a renderer can
 * count down), today's requests and tokens and the estimated cost. Pure.
 */
import { type UsageCounters, windowIdAt } from "../lib/rotator/usage.ts";
import { emptyCounters } from "../lib/rotator/usage.ts";
import { type CredentialStatus, credentialStatus, describeStatus, statusJson } from "./credential_status.ts";
import { isObject, readCounters, type SavedPool } from "./saved_pools.ts";
import { renderTable } from "./table.ts";

/** One credential's usage. */
export interface UsageRow {
  provider: string;
  /** Masked key. */
  key: string;
  id: string;
  status: CredentialStatus;
  today: UsageCounters;
  totals: UsageCounters;
}

/** Rows from saved pools; today's window is the one containing `nowMs`. */
export function usageRowsFromPools(
  pools: ReadonlyMap<string, SavedPool>,
  options: { nowMs: number; usageResetUtcHour: number },
): UsageRow[] {
  const { nowMs, usageResetUtcHour } = options;
  const today = windowIdAt(nowMs, usageResetUtcHour);
  const rows: UsageRow[] = [];
  for (const pool of [...pools.values()].sort((a, b) => a.provider.localeCompare(b.provider))) {
    for (const credential of pool.credentials.values()) {
      const todayCounters = emptyCounters();
      const totals = emptyCounters();
      for (const { usage } of credential.scopes.values()) {
        if (!usage) continue;
        add(totals, usage.totals);
        if (usage.windowId === today) add(todayCounters, usage.window);
      }
      rows.push({
        provider: pool.provider,
        key: credential.label,
        id: credential.id,
        status: credentialStatus(credential, pool, nowMs),
        today: todayCounters,
        totals,
      });
    }
  }
  return rows;
}

/** Rows from a `/v1/quota-stats` answer received at `nowMs`. */
export function usageRowsFromQuotaStats(json: unknown, nowMs: number): UsageRow[] {
  if (!isObject(json) || !isObject(json.providers)) {
    throw new Error("the answer is not a quota-stats document");
  }
  const rows: UsageRow[] = [];
  for (const [provider, stats] of Object.entries(json.providers).sort(([a], [b]) => a.localeCompare(b))) {
    if (!isObject(stats) || !Array.isArray(stats.credentials)) continue;
    for (const credential of stats.credentials) {
      if (!isObject(credential)) continue;
      rows.push({
        provider,
        key: typeof credential.key === "string" ? credential.key : "…",
        id: typeof credential.id === "string" ? credential.id : "",
        status: remoteStatus(credential, nowMs),
        today: readCounters(credential.window),
        totals: readCounters(credential.totals),
      });
    }
  }
  return rows;
}

/** A remote credential's state: the key's own, else the longest cooldown among its models. */
function remoteStatus(credential: Record<string, unknown>, nowMs: number): CredentialStatus {
  const own = readRemoteState(credential, nowMs, null);
  if (own.status !== "available") return own;
  let longest: CredentialStatus = own;
  if (isObject(credential.models)) {
    for (const [scope, model] of Object.entries(credential.models)) {
      if (!isObject(model)) continue;
      const state = readRemoteState(model, nowMs, scope);
      if (state.status === "disabled" || state.status === "needs_relogin") return state;
      if (state.status === "cooling" && (longest.status !== "cooling" || state.untilMs > longest.untilMs)) {
        longest = state;
      }
    }
  }
  return longest;
}

function readRemoteState(
  view: Record<string, unknown>,
  nowMs: number,
  scope: string | null,
): CredentialStatus {
  const reason = typeof view.reason === "string" ? view.reason : "";
  const untilMs = typeof view.seconds_left === "number" ? nowMs + view.seconds_left * 1000 : nowMs;
  if (view.state === "cooling") return { status: "cooling", untilMs, reason, scope };
  if (view.state === "disabled") return { status: "disabled", untilMs, reason };
  if (view.state === "needs_relogin") return { status: "needs_relogin", reason };
  return { status: "available" };
}

function add(target: UsageCounters, source: UsageCounters): void {
  for (const key of Object.keys(target) as Array<keyof UsageCounters>) target[key] += source[key];
}

/** Tokens of a counter set: prompt plus completion. */
function tokens(counters: UsageCounters): number {
  return counters.promptTokens + counters.completionTokens;
}

/** The rows as a table at `nowMs` (cooldowns shown as time left). */
export function renderUsageRows(rows: readonly UsageRow[], nowMs: number): string[] {
  if (rows.length === 0) return ["No usage recorded yet."];
  return renderTable(
    ["PROVIDER", "KEY", "STATE", "REQ TODAY", "TOKENS TODAY", "COST TODAY", "REQ TOTAL"],
    rows.map((row) => [
      row.provider,
      row.key,
      describeStatus(row.status, nowMs),
      String(row.today.requests),
      String(tokens(row.today)),
      `$${row.today.costUsd.toFixed(4)}`,
      String(row.totals.requests),
    ]),
  );
}

/** The rows as JSON. */
export function usageRowsJson(
  rows: readonly UsageRow[],
  nowMs: number,
  source: string,
): Record<string, unknown> {
  return {
    object: "usage",
    source,
    generated_at: new Date(nowMs).toISOString(),
    data: rows.map((row) => ({
      provider: row.provider,
      key: row.key,
      id: row.id,
      ...statusJson(row.status, nowMs),
      today: row.today,
      totals: row.totals,
    })),
  };
}
