/**
 * The rows of `credentials list`: every configured API key with its provider, variable, masked
 * label, where it is set and its state. Pure: the variables and saved pools come in as values.
 */
import { hashSecret } from "../../lib/credentials/credential.ts";
import { maskSecret } from "../../lib/log/logger.ts";
import { type CredentialStatus, credentialStatus, describeStatus, statusJson } from "../credential_status.ts";
import type { SavedPool } from "../saved_pools.ts";
import { renderTable } from "../table.ts";
import type { Workspace } from "../workspace.ts";

/** One credential as `credentials list` shows it. */
export interface CredentialRow {
  provider: string;
  /** Stable id (hash of the secret), as in the usage files and `/v1/quota-stats`. */
  id: string;
  variable: string;
  /** Masked, e.g. `…a1b2`. */
  label: string;
  priority: number;
  /** `.env` when the data directory's file sets it, `environment` when the process does. */
  source: ".env" | "environment";
  status: CredentialStatus;
}

/** Rows for every key of every provider that would serve calls, sorted by provider then variable order. */
export function credentialRows(
  workspace: Pick<Workspace, "variables" | "settings" | "providers">,
  pools: ReadonlyMap<string, SavedPool>,
  nowMs: number,
): CredentialRow[] {
  const serving = new Set(workspace.providers.map((provider) => provider.id));
  const rows: CredentialRow[] = [];
  for (const setting of workspace.settings) {
    if (!serving.has(setting.id)) continue;
    const pool = pools.get(setting.id);
    for (const key of setting.apiKeys) {
      const id = hashSecret(key.value);
      rows.push({
        provider: setting.id,
        id,
        variable: key.variable,
        label: maskSecret(key.value),
        priority: key.priority,
        source: workspace.variables.fromProcess.has(key.variable) ? "environment" : ".env",
        status: credentialStatus(pool?.credentials.get(id), pool, nowMs),
      });
    }
  }
  return rows;
}

/** The rows as a table for people. */
export function renderCredentialRows(rows: readonly CredentialRow[], nowMs: number): string[] {
  if (rows.length === 0) {
    return ["No credentials configured. Add one with: proxy credentials add-key <provider>"];
  }
  return renderTable(
    ["PROVIDER", "VARIABLE", "KEY", "ID", "PRIORITY", "SOURCE", "STATE"],
    rows.map((row) => [
      row.provider,
      row.variable,
      row.label,
      row.id,
      String(row.priority),
      row.source,
      describeStatus(row.status, nowMs),
    ]),
  );
}

/** The rows as JSON (never the secret). */
export function credentialRowsJson(rows: readonly CredentialRow[], nowMs: number): Record<string, unknown> {
  return {
    object: "list",
    data: rows.map((row) => ({
      provider: row.provider,
      id: row.id,
      variable: row.variable,
      key: row.label,
      priority: row.priority,
      source: row.source,
      ...statusJson(row.status, nowMs),
    })),
  };
}
