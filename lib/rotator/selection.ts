/**
 * Pure selection strategies: given a pool's columns (typed arrays aligned by key index), which key
 * serves the next call. Nothing here mutates pool state or reads the clock; randomness is injected.
 * Columns keep the hot path free of allocation and map lookups: a pool of 1,000 keys is one tight loop.
 */

/** A pool seen for one model and its scope (model or quota group), aligned by key index. */
export interface SelectionColumns {
  count: number;
  /** Lower is tried first. */
  priority: Int32Array;
  /** Requests in flight per key for this model that a key may carry. */
  capacity: Int32Array;
  /** Epoch ms until which a key is disabled for every model (0: never). */
  disabledUntil: Float64Array;
  /** Epoch ms until which a key rests for this scope (0: never). */
  coolUntil: Float64Array;
  /** Requests in flight per key for this model. */
  inFlight: Int32Array;
  /** Requests per key in the current usage window of this scope. */
  usage: Int32Array;
  /** Keys excluded from this call (already failed in it), or null. */
  excluded: Uint8Array | null;
}

/** How to choose among usable keys of the best tier. */
export type SelectionMode = "balanced" | "sequential";

/** Options of {@link selectCredential}. */
export interface SelectionOptions {
  mode: SelectionMode;
  /** Usage differences up to about this many requests are treated as equal; 0 is deterministic. */
  tolerance: number;
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number;
  /** Reused buffer for candidate indices (at least `count` long); avoids an allocation per call. */
  scratch?: Int32Array;
}

/** Whether key `index` may be used at `nowMs` (ignoring its concurrency cap). */
export function isUsable(columns: SelectionColumns, index: number, nowMs: number): boolean {
  return columns.disabledUntil[index] <= nowMs && columns.coolUntil[index] <= nowMs &&
    (columns.excluded === null || columns.excluded[index] === 0);
}

/**
 * The lowest priority number among usable keys with a free slot (2^31 - 1 when there is none): a key of a
 * worse tier is not taken while one of this tier could serve.
 */
export function bestFreePriority(columns: SelectionColumns, nowMs: number): number {
  let best = 2 ** 31 - 1;
  for (let index = 0; index < columns.count; index++) {
    const keyPriority = columns.priority[index];
    if (keyPriority >= best || columns.inFlight[index] >= columns.capacity[index]) continue;
    if (isUsable(columns, index, nowMs)) best = keyPriority;
  }
  return best;
}

/**
 * Choose a key: the lowest priority number among usable keys with a free slot, then `fill_first`
 * (sequential: the first such key in pool order) or, for balanced, the fewest in flight and then
 * `least_used` (tolerance 0) or `weighted_random` by usage. Returns the key index, or -1 when no usable
 * key has a free slot.
 */
export function selectCredential(
  columns: SelectionColumns,
  nowMs: number,
  options: SelectionOptions,
): number {
  const { count, priority, capacity, inFlight } = columns;
  const candidates = options.scratch ?? new Int32Array(count);
  const sequential = options.mode === "sequential";
  let size = 0;
  let bestPriority = 2 ** 31 - 1;
  let bestInFlight = 2 ** 31 - 1;
  for (let index = 0; index < count; index++) {
    const keyPriority = priority[index];
    if (keyPriority > bestPriority) continue;
    const busy = inFlight[index];
    if (busy >= capacity[index] || !isUsable(columns, index, nowMs)) continue;
    if (keyPriority < bestPriority) {
      bestPriority = keyPriority;
      bestInFlight = busy;
      size = 0;
    } else if (sequential) continue; // Pool order: keep spending the first usable key of the tier.
    else if (busy > bestInFlight) continue;
    else if (busy < bestInFlight) {
      bestInFlight = busy;
      size = 0;
    }
    candidates[size++] = index;
  }
  if (size === 0) return -1;
  if (size === 1 || sequential) return candidates[0];
  return options.tolerance <= 0
    ? leastUsed(candidates, size, columns.usage)
    : weightedRandom(candidates, size, columns.usage, options.tolerance, options.random ?? Math.random);
}

/** The least used of the first `size` candidates; ties go to the earliest. */
export function leastUsed(candidates: Int32Array, size: number, usage: Int32Array): number {
  let best = candidates[0];
  for (let position = 1; position < size; position++) {
    if (usage[candidates[position]] < usage[best]) best = candidates[position];
  }
  return best;
}

/**
 * A random candidate, weighted `maxUsage - usage + tolerance`: a much less used key is strongly
 * preferred, keys within `tolerance` requests of each other are nearly equally likely.
 */
export function weightedRandom(
  candidates: Int32Array,
  size: number,
  usage: Int32Array,
  tolerance: number,
  random: () => number,
): number {
  let maxUsage = 0;
  for (let position = 0; position < size; position++) {
    maxUsage = Math.max(maxUsage, usage[candidates[position]]);
  }
  let total = 0;
  for (let position = 0; position < size; position++) {
    total += maxUsage - usage[candidates[position]] + tolerance;
  }
  let point = random() * total;
  for (let position = 0; position < size; position++) {
    point -= maxUsage - usage[candidates[position]] + tolerance;
    if (point < 0) return candidates[position];
  }
  return candidates[size - 1];
}
