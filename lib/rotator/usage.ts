/**
 * Usage counters: per credential and model (or quota group), a daily window that starts at a fixed
 * UTC hour plus running totals. Pure functions over plain objects, so they persist as JSON.
 */

/** Token counts of one call, as the upstream reported them. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Of the prompt tokens, those written to a prompt cache (priced apart by Anthropic), when any. */
  cacheCreationTokens?: number;
}

/** Counters of calls and tokens. */
export interface UsageCounters {
  requests: number;
  successes: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Estimated cost in USD, when pricing is known. */
  costUsd: number;
}

/** The current daily window and the totals since the first call. */
export interface UsageRecord {
  /** Which daily window `window` counts (days since the epoch, shifted by the reset hour). */
  windowId: number;
  window: UsageCounters;
  totals: UsageCounters;
}

/** All-zero counters. */
export function emptyCounters(): UsageCounters {
  return {
    requests: 0,
    successes: 0,
    failures: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
  };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The id of the daily window containing `nowMs`, for windows starting at `resetUtcHour`. */
export function windowIdAt(nowMs: number, resetUtcHour: number): number {
  return Math.floor((nowMs - resetUtcHour * HOUR_MS) / DAY_MS);
}

/** When the window containing `nowMs` ends (epoch ms). */
export function windowEndMs(nowMs: number, resetUtcHour: number): number {
  return (windowIdAt(nowMs, resetUtcHour) + 1) * DAY_MS + resetUtcHour * HOUR_MS;
}

/** A new record for the window at `nowMs`. */
export function newUsageRecord(nowMs: number, resetUtcHour: number): UsageRecord {
  return { windowId: windowIdAt(nowMs, resetUtcHour), window: emptyCounters(), totals: emptyCounters() };
}

/** Start a fresh window when `nowMs` is past the record's window (lazily, when read or written). */
export function rollWindow(record: UsageRecord, nowMs: number, resetUtcHour: number): UsageRecord {
  const id = windowIdAt(nowMs, resetUtcHour);
  if (id !== record.windowId) {
    record.windowId = id;
    record.window = emptyCounters();
  }
  return record;
}

/** What one finished call adds to the counters. */
export interface UsageEvent {
  outcome: "success" | "failure" | "cancelled";
  tokens?: TokenUsage | null;
  costUsd?: number;
}

/** Add one call to a record (window and totals). */
export function recordUsage(
  record: UsageRecord,
  event: UsageEvent,
  nowMs: number,
  resetUtcHour: number,
): void {
  rollWindow(record, nowMs, resetUtcHour);
  for (const counters of [record.window, record.totals]) {
    counters.requests++;
    if (event.outcome === "success") counters.successes++;
    if (event.outcome === "failure") counters.failures++;
    if (event.tokens) {
      counters.promptTokens += event.tokens.promptTokens;
      counters.completionTokens += event.tokens.completionTokens;
      counters.cachedTokens += event.tokens.cachedTokens;
      counters.reasoningTokens += event.tokens.reasoningTokens;
    }
    if (event.costUsd) counters.costUsd += event.costUsd;
  }
}
