/**
 * Building upstream URL paths from values that came from a client (model ids). Every such segment is
 * percent-encoded, so `..`, `/`, `\`, `?`, `#` and `%2e` in a model id stay inside their own segment and
 * can never move the request to another path or add a query on the provider's host.
 */

/** One path segment: every character outside RFC 3986's unreserved set is percent-encoded. */
export function pathSegment(value: string): string {
  // encodeURIComponent leaves `!'()*` and `.` alone; `.` only matters as a whole `.`/`..` segment.
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  if (encoded === "." || encoded === "..") return encoded.replaceAll(".", "%2E");
  return encoded;
}

/** Several path segments joined by `/`, each encoded by {@link pathSegment}. */
export function pathSegments(values: readonly string[]): string {
  return values.map(pathSegment).join("/");
}
