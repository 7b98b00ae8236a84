/**
 * What a configuration reload asks of a sandboxed server. A Worker's permissions are fixed when it
 * starts, so a reload that changes them (a provider on a new host: wider; a host no provider needs any
 * more: narrower) or changes a setting the running server read once at start needs a new Worker. A reload
 * that only changes providers' keys, models or base URLs on hosts already granted is applied in place,
 * with nothing restarted.
 */
import { isDeepStrictEqual } from "node:util";
import type { ProxyConfig } from "../../config/schema.ts";
import type { SandboxPermissions } from "./permissions.ts";

/** A configuration and the permissions computed from it. */
export interface SandboxState {
  config: ProxyConfig;
  permissions: SandboxPermissions;
}

/** The permission entries a reload adds and removes, by kind. */
export interface PermissionChange {
  net: { added: string[]; removed: string[] };
  read: { added: string[]; removed: string[] };
  write: { added: string[]; removed: string[] };
}

/** The decision for one reload. */
export type ReloadPlan =
  /** Apply the providers to the running Worker. */
  | { kind: "in_place" }
  /** Start a new Worker with the new permissions and hand the listener over to it. */
  | { kind: "restart"; permissions: PermissionChange; settings: string[] };

/** Whether `next` can be applied to the Worker running `current`, or needs a new one. */
export function reloadPlan(current: SandboxState, next: SandboxState): ReloadPlan {
  const permissions = permissionChange(current.permissions, next.permissions);
  const settings = changedSettings(current.config, next.config);
  const permissionsChanged = Object.values(permissions).some(({ added, removed }) =>
    added.length > 0 || removed.length > 0
  );
  return permissionsChanged || settings.length > 0
    ? { kind: "restart", permissions, settings }
    : { kind: "in_place" };
}

/** The entries of `next` missing from `current` and the other way round. */
export function permissionChange(current: SandboxPermissions, next: SandboxPermissions): PermissionChange {
  const diff = (before: readonly string[], after: readonly string[]) => ({
    added: after.filter((entry) => !before.includes(entry)),
    removed: before.filter((entry) => !after.includes(entry)),
  });
  return {
    net: diff(current.net, next.net),
    read: diff(current.read, next.read),
    write: diff(current.write, next.write),
  };
}

/**
 * The settings other than the providers that differ (by their `ProxyConfig` names): the running server
 * read them once at start, so only a new Worker takes them.
 */
export function changedSettings(current: ProxyConfig, next: ProxyConfig): string[] {
  const names = new Set([...Object.keys(current), ...Object.keys(next)]) as Set<keyof ProxyConfig>;
  names.delete("providers");
  return [...names].filter((name) => !isDeepStrictEqual(current[name], next[name]));
}

/** A one-line account of a restart's reasons, for the log. */
export function describeRestart(plan: Extract<ReloadPlan, { kind: "restart" }>): string {
  const parts: string[] = [];
  for (const [kind, { added, removed }] of Object.entries(plan.permissions)) {
    if (added.length > 0) parts.push(`${kind} + ${added.join(", ")}`);
    if (removed.length > 0) parts.push(`${kind} - ${removed.join(", ")}`);
  }
  if (plan.settings.length > 0) parts.push(`settings changed: ${plan.settings.join(", ")}`);
  return parts.join("; ");
}
