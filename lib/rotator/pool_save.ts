/**
 * Taking a credential pool's snapshot (what survives a restart) and putting a saved one back. The saved
 * form and the checking of untrusted files live in pool_snapshot.ts; this file maps it onto the pool.
 */
import type { CredentialRecord, KeyPool } from "./key_pool.ts";
import { AVAILABLE, currentState, isNeedsRelogin, type KeyState } from "./key_state.ts";
import { MAX_SAVED_REST_MS, type PoolSnapshot, readSnapshot } from "./pool_snapshot.ts";

/**
 * Everything of `pool` worth keeping across a restart, as of `nowMs` (expired states saved as available).
 * Credentials are named by id and masked label, never by secret.
 */
export function takeSnapshot(pool: KeyPool, nowMs: number): PoolSnapshot {
  const credentials: PoolSnapshot["credentials"] = {};
  for (const record of pool.records) {
    const scopes: PoolSnapshot["credentials"][string]["scopes"] = {};
    for (const [scope, scoped] of record.scopes) {
      scopes[scope] = {
        state: currentState(scoped.state, nowMs),
        strikes: scoped.strikes,
        usage: scoped.usage,
      };
    }
    credentials[record.credential.id] = {
      label: record.credential.label,
      // Whether an account needs a new login is re-learnt at start from its tokens, never restored.
      disabled: isNeedsRelogin(record.disabled) ? AVAILABLE : currentState(record.disabled, nowMs),
      scopes,
    };
  }
  return {
    version: 1,
    provider: pool.providerId,
    savedAtMs: nowMs,
    providerState: pool.providerState,
    credentials,
  };
}

/** How {@link restoreSnapshot} writes into a pool: quietly, since nothing changed since the file was saved. */
export interface RestoreTarget {
  readonly pool: KeyPool;
  readonly nowMs: number;
  /** The pool's longest auth cooldown (a saved one may rest that long). */
  readonly authFailureCooldownMs: number;
  /** Set a state (credential-wide when `scope` is null) without telling anyone. */
  place(record: CredentialRecord, scope: string | null, state: KeyState): void;
  /** Set the provider-wide state without telling anyone. */
  placeProviderState(state: KeyState): void;
}

/**
 * Take back what a saved snapshot knows about credentials still in the pool; unknown credentials and
 * malformed parts are skipped, rests longer than any upstream would ask for are clamped. Returns how many
 * credentials were restored.
 */
export function restoreSnapshot(saved: unknown, target: RestoreTarget): number {
  const { pool, nowMs } = target;
  const maxRestMs = Math.max(MAX_SAVED_REST_MS, target.authFailureCooldownMs);
  const snapshot = readSnapshot(saved, { nowMs, maxRestMs });
  if (snapshot === null) return 0;
  let restored = 0;
  for (const [id, credential] of Object.entries(snapshot.credentials)) {
    const record = pool.record(id);
    if (!record) continue;
    target.place(record, null, credential.disabled);
    for (const [scope, scopedSnapshot] of Object.entries(credential.scopes)) {
      target.place(record, scope, scopedSnapshot.state);
      pool.scopeRecord(record, scope).strikes = scopedSnapshot.strikes;
      if (scopedSnapshot.usage) pool.setScopeUsage(record, scope, scopedSnapshot.usage);
    }
    restored++;
  }
  // A provider-wide rest is short; it is kept only while it lasts.
  if (snapshot.providerState.status === "cooling") target.placeProviderState(snapshot.providerState);
  return restored;
}
