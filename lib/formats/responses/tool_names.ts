/**
 * Functions nested in a `namespace` tool (`{type: "namespace", name: "crm", tools: [...]}`) are called as
 * `{name, namespace}` pairs. Other providers know only flat names, so such a function travels as
 * `crm__lookup` (a name every provider accepts) and answers turn it back into the pair.
 */

/** A function's name as the client knows it. */
export interface QualifiedName {
  name: string;
  namespace?: string;
}

/** The flat name of `name` in `namespace` (or `name` itself without one). */
export function flatToolName(name: string, namespace?: string | null): string {
  return namespace ? `${namespace}__${name}` : name;
}

/** Flat name → the client's pair, for the functions of the request's namespace tools. */
export type NamespaceNames = ReadonlyMap<string, QualifiedName>;

/** The client's pair for a flat name (names outside namespaces are themselves). */
export function qualifiedToolName(names: NamespaceNames, flat: string): QualifiedName {
  return names.get(flat) ?? { name: flat };
}
