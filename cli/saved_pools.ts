/**
 * Reading the pools' persisted state (`<data dir>/usage/usage_<provider>.json`, written by
 * `lib/rotator/persistence.ts`) without a running server. Read leniently: the shape may gain fields,
 * and a part that cannot be read is skipped rather than failing the command.
 */
import { join } from "node:path";
import type { UsageCounters, UsageRecord } from "../lib/rotator/usage.ts";
import { emptyCounters } from "../lib/rotator/usage.ts";

/** A saved state: `available`, `cooling`, `disabled`, `needs_relogin` (or a newer status). */
export interface SavedState {
  status: string;
  reason?: string;
  untilMs?: number;
}

/** One credential's saved record. */
export interface SavedCredential {
  id: string;
  label: string;
  disabled: SavedState;
  scopes: Map<string, { state: SavedState; usage: UsageRecord | null }>;
}

/** One provider's saved pool. */
export interface SavedPool {
  provider: string;
  savedAtMs: number;
  providerState: SavedState;
  credentials: Map<string, SavedCredential>;
}

/** What was read, plus a line for each file that could not be. */
export interface SavedPools {
  pools: Map<string, SavedPool>;
  problems: string[];
}

/** Read every `usage_*.json` of `<dataDir>/usage`. */
export async function readSavedPools(dataDir: string): Promise<SavedPools> {
  const directory = join(dataDir, "usage");
  const pools = new Map<string, SavedPool>();
  const problems: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(directory));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { pools, problems };
    return { pools, problems: [`cannot read ${directory}: ${(error as Error).message}`] };
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile || !/^usage_.+\.json$/.test(entry.name)) continue;
    const path = join(directory, entry.name);
    try {
      const pool = parseSavedPool(JSON.parse(await Deno.readTextFile(path)));
      if (pool) pools.set(pool.provider, pool);
      else problems.push(`${path} is not a saved pool`);
    } catch (error) {
      problems.push(`${path} cannot be read: ${(error as Error).message}`);
    }
  }
  return { pools, problems };
}

/** Read one saved pool document; null when it is not one. */
export function parseSavedPool(json: unknown): SavedPool | null {
  if (!isObject(json) || typeof json.provider !== "string" || !isObject(json.credentials)) return null;
  const credentials = new Map<string, SavedCredential>();
  for (const [id, saved] of Object.entries(json.credentials)) {
    if (!isObject(saved)) continue;
    const scopes = new Map<string, { state: SavedState; usage: UsageRecord | null }>();
    if (isObject(saved.scopes)) {
      for (const [scope, value] of Object.entries(saved.scopes)) {
        if (!isObject(value)) continue;
        scopes.set(scope, { state: readState(value.state), usage: readUsage(value.usage) });
      }
    }
    credentials.set(id, {
      id,
      label: typeof saved.label === "string" ? saved.label : "…",
      disabled: readState(saved.disabled),
      scopes,
    });
  }
  return {
    provider: json.provider,
    savedAtMs: typeof json.savedAtMs === "number" ? json.savedAtMs : 0,
    providerState: readState(json.providerState),
    credentials,
  };
}

function readState(value: unknown): SavedState {
  if (!isObject(value) || typeof value.status !== "string") return { status: "available" };
  return {
    status: value.status,
    reason: typeof value.reason === "string" ? value.reason : undefined,
    untilMs: typeof value.untilMs === "number" ? value.untilMs : undefined,
  };
}

function readUsage(value: unknown): UsageRecord | null {
  if (!isObject(value) || typeof value.windowId !== "number") return null;
  return { windowId: value.windowId, window: readCounters(value.window), totals: readCounters(value.totals) };
}

/** Counters from loose JSON; unknown or missing fields read as 0. */
export function readCounters(value: unknown): UsageCounters {
  const counters = emptyCounters();
  if (!isObject(value)) return counters;
  for (const key of Object.keys(counters) as Array<keyof UsageCounters>) {
    const number = value[key];
    if (typeof number === "number" && Number.isFinite(number)) counters[key] = number;
  }
  return counters;
}

/** Whether a value is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
