/**
 * A census of credentials: per provider, how many credentials are available, cooling, disabled or waiting
 * for a new login, and how many calls wait for a slot. `/ready` and the `proxy_credentials` gauge read it.
 */
import type { KeyPool } from "../rotator/key_pool.ts";
import { currentState } from "../rotator/key_state.ts";

/** The states a credential is counted in. */
export const CREDENTIAL_STATES = ["available", "cooling", "disabled", "needs_relogin"] as const;
/** One of {@link CREDENTIAL_STATES}. */
export type CensusState = (typeof CREDENTIAL_STATES)[number];

/** One provider's counts. */
export interface ProviderCensus {
  provider: string;
  credentials: Record<CensusState, number>;
  /** Calls waiting in the provider's queue for a slot. */
  waiting: number;
}

/** Reads the census when asked (at a scrape or a readiness probe). */
export type CensusSource = () => ProviderCensus[];

/** All-zero counts. */
export function emptyCounts(): Record<CensusState, number> {
  return { available: 0, cooling: 0, disabled: 0, needs_relogin: 0 };
}

/**
 * The census of the rotator's pools at `nowMs`. A credential counts as cooling when the whole provider
 * cools or every model it has served cools (it could serve a new model, but that is not what clients
 * ask for); as disabled when refused credential-wide.
 */
export function censusOfPools(pools: ReadonlyMap<string, KeyPool>, nowMs: number): ProviderCensus[] {
  const census: ProviderCensus[] = [];
  for (const [provider, pool] of pools) {
    const credentials = emptyCounts();
    const providerCooling = pool.providerState.status !== "available";
    for (const record of pool.records) {
      // Read as text: OAuth adds `needs_relogin` to the credential-wide states.
      const status: string = currentState(record.disabled, nowMs).status;
      if (status === "disabled" || status === "needs_relogin") {
        credentials[status]++;
        continue;
      }
      const scopes = [...record.scopes.values()];
      const allCooling = scopes.length > 0 &&
        scopes.every((scope) => currentState(scope.state, nowMs).status !== "available");
      credentials[providerCooling || allCooling ? "cooling" : "available"]++;
    }
    census.push({ provider, credentials, waiting: pool.waiting });
  }
  return census;
}
