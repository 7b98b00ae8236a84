/**
 * Pure selection strategies: given the credentials of a pool, which one serves the next call.
 * Nothing here mutates state or reads the clock; randomness is injected.
 */

/** What selection needs to know of each credential (read through accessors, so pools allocate nothing). */
export interface SelectionView<R> {
  /** Not cooling, not disabled and not excluded for this call. */
  usable(record: R): boolean;
  inFlight(record: R): number;
  capacity(record: R): number;
  /** Lower is tried first. */
  priority(record: R): number;
  /** Requests in the current usage window. */
  usage(record: R): number;
}

/** How to choose among usable credentials of the best tier. */
export type SelectionMode = "balanced" | "sequential";

/** Options of {@link selectCredential}. */
export interface SelectionOptions {
  mode: SelectionMode;
  /** Usage differences up to about this many requests are treated as equal; 0 is deterministic. */
  tolerance: number;
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Choose a credential: the lowest priority number among usable credentials with a free slot, then
 * `fill_first` (sequential) or, for balanced, the fewest in flight and then `least_used` (tolerance 0)
 * or `weighted_random` by usage. Returns null when no usable credential has a free slot.
 */
export function selectCredential<R>(
  records: readonly R[],
  view: SelectionView<R>,
  options: SelectionOptions,
): R | null {
  let bestPriority = Infinity;
  let bestInFlight = Infinity;
  const tier: R[] = [];
  for (const record of records) {
    if (!view.usable(record) || view.inFlight(record) >= view.capacity(record)) continue;
    const priority = view.priority(record);
    if (priority > bestPriority) continue;
    if (priority < bestPriority) {
      bestPriority = priority;
      bestInFlight = Infinity;
      tier.length = 0;
    }
    if (options.mode === "sequential") {
      // Order is the pool's order: keep spending the first usable key until it rests.
      if (tier.length === 0) tier.push(record);
      continue;
    }
    const inFlight = view.inFlight(record);
    if (inFlight > bestInFlight) continue;
    if (inFlight < bestInFlight) {
      bestInFlight = inFlight;
      tier.length = 0;
    }
    tier.push(record);
  }
  if (tier.length === 0) return null;
  if (tier.length === 1 || options.mode === "sequential") return tier[0];
  return options.tolerance <= 0
    ? leastUsed(tier, view)
    : weightedRandom(tier, view, options.tolerance, options.random ?? Math.random);
}

/** The least used candidate; ties go to the earliest. */
export function leastUsed<R>(candidates: readonly R[], view: Pick<SelectionView<R>, "usage">): R {
  let best = candidates[0];
  for (const candidate of candidates) if (view.usage(candidate) < view.usage(best)) best = candidate;
  return best;
}

/**
 * A random candidate, weighted `maxUsage - usage + tolerance`: a much less used key is strongly
 * preferred, keys within `tolerance` requests of each other are nearly equally likely.
 */
export function weightedRandom<R>(
  candidates: readonly R[],
  view: Pick<SelectionView<R>, "usage">,
  tolerance: number,
  random: () => number,
): R {
  let maxUsage = 0;
  for (const candidate of candidates) maxUsage = Math.max(maxUsage, view.usage(candidate));
  let total = 0;
  for (const candidate of candidates) total += maxUsage - view.usage(candidate) + tolerance;
  let point = random() * total;
  for (const candidate of candidates) {
    point -= maxUsage - view.usage(candidate) + tolerance;
    if (point < 0) return candidate;
  }
  return candidates[candidates.length - 1];
}
