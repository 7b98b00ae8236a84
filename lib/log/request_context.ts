/**
 * The request a piece of code runs for, carried through async calls (`AsyncLocalStorage`), so that every
 * log line names its request id and upstream calls can be filed under the request that made them,
 * without passing the id through every layer.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What is known of the current request. */
export interface RequestContext {
  requestId: string;
  /** Counts the request's upstream calls (request logs number them). */
  upstreamCalls: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Run `work` as part of the request `requestId`. */
export function runInRequest<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId, upstreamCalls: 0 }, work);
}

/** The current request, if the caller runs inside one. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}
