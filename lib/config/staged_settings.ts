/**
 * Staged settings: changes to `.env` variables that the launcher's advanced settings collect, show
 * as a diff and write only on Save. Pure values and functions; writing is `updateEnvFile`.
 */

/** Pending changes by variable name: a new value, or `null` to remove the variable. */
export type StagedChanges = ReadonlyMap<string, string | null>;

/** No pending changes. */
export const NO_CHANGES: StagedChanges = new Map();

/** One line of the diff between the current variables and the staged ones. */
export interface SettingChange {
  name: string;
  /** The value now, null when unset. */
  before: string | null;
  /** The value after Save, null when removed. */
  after: string | null;
}

/**
 * Stage `value` (null: remove) for `name`. A change back to the current value un-stages it, so the
 * diff shows only real changes.
 */
export function stageChange(
  staged: StagedChanges,
  change: { name: string; value: string | null },
  current: Readonly<Record<string, string>>,
): StagedChanges {
  const next = new Map(staged);
  const before = current[change.name] ?? null;
  const value = change.value === null || change.value.trim() === "" ? null : change.value.trim();
  if (value === before) next.delete(change.name);
  else next.set(change.name, value);
  return next;
}

/** The variables as they would be after Save. */
export function applyStaged(
  current: Readonly<Record<string, string>>,
  staged: StagedChanges,
): Record<string, string> {
  const result = { ...current };
  for (const [name, value] of staged) {
    if (value === null) delete result[name];
    else result[name] = value;
  }
  return result;
}

/** The staged changes against `current`, sorted by name. */
export function diffStaged(
  current: Readonly<Record<string, string>>,
  staged: StagedChanges,
): SettingChange[] {
  return [...staged].map(([name, after]) => ({ name, before: current[name] ?? null, after }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether a variable holds a secret that must be shown masked. */
export function isSecretVariable(name: string): boolean {
  return /_API_KEY(_\d+)?$/.test(name) || /(_SECRET|_TOKEN|_PASSWORD)$/.test(name);
}

/** A diff as lines: `+ NAME=value` added, `- NAME=value` removed, `~ NAME: old → new` changed. */
export function renderChanges(changes: readonly SettingChange[]): string[] {
  const shown = (name: string, value: string) => isSecretVariable(name) ? maskValue(value) : value;
  return changes.map(({ name, before, after }) => {
    if (before === null && after !== null) return `+ ${name}=${shown(name, after)}`;
    if (after === null) return `- ${name}=${shown(name, before ?? "")}`;
    return `~ ${name}: ${shown(name, before ?? "")} → ${shown(name, after)}`;
  });
}

/** The `.env` update that saves the staged changes (`null` removes a line). */
export function toEnvUpdate(staged: StagedChanges): Record<string, string | null> {
  return Object.fromEntries(staged);
}

function maskValue(value: string): string {
  return value.length < 12 ? "…" : `…${value.slice(-4)}`;
}
