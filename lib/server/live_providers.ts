/**
 * The configured providers by id, as a map that follows `deps.providers` (the array changes while the
 * proxy runs when OAuth accounts are added or removed). Rebuilt only when the array changed.
 */
import type { ConfiguredProvider } from "../../providers/mod.ts";
import type { AppDeps } from "./context.ts";

/** A map view of `deps.providers` that stays current. */
export function liveProviders(deps: AppDeps): ReadonlyMap<string, ConfiguredProvider> {
  let seen: ConfiguredProvider[] = [];
  let map = new Map<string, ConfiguredProvider>();
  const current = () => {
    const list = deps.providers;
    if (list.length !== seen.length || list.some((provider, index) => provider !== seen[index])) {
      seen = [...list];
      map = new Map(list.map((provider) => [provider.id, provider]));
    }
    return map;
  };
  return {
    get size() {
      return current().size;
    },
    get: (id) => current().get(id),
    has: (id) => current().has(id),
    forEach: (callback, thisArg) => current().forEach(callback, thisArg),
    entries: () => current().entries(),
    keys: () => current().keys(),
    values: () => current().values(),
    [Symbol.iterator]: () => current()[Symbol.iterator](),
  };
}
