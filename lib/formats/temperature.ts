/**
 * `OVERRIDE_TEMPERATURE_ZERO`: some providers misbehave on `temperature: 0` (reasoning models reject
 * it, others loop). Each format says where its body keeps the temperature; this file changes it there.
 */

/** `keep` sends 0 as the client did, `remove` drops it, `set` raises it to 1. */
export type TemperatureZeroMode = "keep" | "remove" | "set";

/**
 * `body` with a `temperature: 0` found at `path` (keys from the root, e.g. `["generationConfig",
 * "temperature"]`) removed or raised to 1; `body` itself when there is nothing to change.
 */
export function overrideTemperatureZeroAt(
  body: Record<string, unknown>,
  path: readonly string[],
  mode: TemperatureZeroMode,
): Record<string, unknown> {
  if (mode === "keep" || path.length === 0) return body;
  const [key, ...rest] = path;
  if (rest.length === 0) {
    if (body[key] !== 0) return body;
    const { [key]: _zero, ...others } = body;
    return mode === "remove" ? others : { ...others, [key]: 1 };
  }
  const inner = body[key];
  if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return body;
  const changed = overrideTemperatureZeroAt(inner as Record<string, unknown>, rest, mode);
  return changed === inner ? body : { ...body, [key]: changed };
}
