/** Shared state on Redis: connection, slots, credential states, usage, locks, OAuth tokens, documents. */
export { redactUrl, RedisLink, type RedisLinkOptions, RedisUnavailableError } from "./link.ts";
export {
  type LeaseCandidate,
  type PickResult,
  type SessionHint,
  SharedLeases,
  type SharedLeasesOptions,
} from "./leases.ts";
export { type SharedState, type SharedStateEntry, SharedStates } from "./shared_states.ts";
export { SharedUsage, type SharedUsageEntry, type UsageDelta } from "./shared_usage.ts";
export { renewLock, tryLock, unlock } from "./lock.ts";
export { RedisSharedTokens, type RedisSharedTokensOptions } from "./shared_tokens.ts";
export { RedisDocumentStore } from "./document_store.ts";
export { RedisSharedPool, type RedisSharedPoolOptions } from "./redis_shared_pool.ts";
export { openSharedState, type SharedState as OpenedSharedState } from "./open.ts";
export { RedisResponseStore, type RedisResponseStoreOptions } from "./response_store.ts";
