/**
 * Lowering a request's output limit. Each format says where its body keeps the limit (its codec's
 * `clampOutputTokens`); this file lowers the values found there.
 */
/**
 * `body` with every output limit found at `paths` (keys from the root, e.g. `["max_tokens"]` or
 * `["generationConfig", "maxOutputTokens"]`) and above `ceiling` lowered to it, or null when nothing was
 * above it (so a refusal that resending would not cure is passed on as it is).
 */
export function clampOutputTokensAt(
  body: Record<string, unknown>,
  paths: ReadonlyArray<readonly string[]>,
  ceiling: number,
): Record<string, unknown> | null {
  let result: Record<string, unknown> | null = null;
  for (const path of paths) {
    const lowered = clampAt(result ?? body, path, ceiling);
    if (lowered !== null) result = lowered;
  }
  return result;
}

function clampAt(
  body: Record<string, unknown>,
  path: readonly string[],
  ceiling: number,
): Record<string, unknown> | null {
  const [key, ...rest] = path;
  if (key === undefined) return null;
  const value = body[key];
  if (rest.length === 0) {
    return typeof value === "number" && value > ceiling ? { ...body, [key]: ceiling } : null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const inner = clampAt(value as Record<string, unknown>, rest, ceiling);
  return inner === null ? null : { ...body, [key]: inner };
}
