/**
 * A lock with an expiry across instances (SET NX PX, released only by its holder), for work that must
 * happen once at a time everywhere: refreshing an OAuth token whose refresh token rotates.
 * https://redis.io/docs/latest/develop/use/patterns/distributed-locks/#correct-implementation-with-a-single-instance
 */
import type { RedisLink } from "./link.ts";

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Take the lock `name` for `ttlMs`; returns the holder's token, or null when someone else holds it. */
export async function tryLock(link: RedisLink, name: string, ttlMs: number): Promise<string | null> {
  const token = crypto.randomUUID();
  const result = await link.client.set(link.key("lock", name), token, "PX", ttlMs, "NX");
  return result === "OK" ? token : null;
}

/** Release the lock `name` if `token` still holds it (an expired lock taken by another stays theirs). */
export async function unlock(link: RedisLink, name: string, token: string): Promise<boolean> {
  return Number(await link.client.eval(UNLOCK, 1, link.key("lock", name), token)) === 1;
}

/** Extend the lock `name` to `ttlMs` from now if `token` still holds it; false when it was lost. */
export async function renewLock(
  link: RedisLink,
  name: string,
  token: string,
  ttlMs: number,
): Promise<boolean> {
  return Number(await link.client.eval(RENEW, 1, link.key("lock", name), token, ttlMs)) === 1;
}
