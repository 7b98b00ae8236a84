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
  /**
   * `.env` when the data directory's file sets it, `environment` when the process does, `oauth_creds`
   * for an OAuth account stored in a file.
   */
  source: ".env" | "environment" | "oauth_creds";
  status: CredentialStatus;
}

/**
 * Rows for every API key and OAuth account of every provider that would serve calls, sorted by
 * provider then pool order. An OAuth account's "variable" is `oauth:<account>`.
 */
export function credentialRows(
  workspace: Pick<Workspace, "variables" | "settings" | "providers"> & { accounts?: Workspace["accounts"] },
  pools: ReadonlyMap<string, SavedPool>,
  nowMs: number,
): CredentialRow[] {
  const rows: CredentialRow[] = [];
  for (const provider of workspace.providers) {
    const setting = workspace.settings.find((candidate) => candidate.id === provider.id);
    const pool = pools.get(provider.id);
    for (const credential of provider.credentials) {
      const saved = credentialStatus(pool?.credentials.get(credential.id), pool, nowMs);
      if (credential.kind === "api_key") {
        const key = setting?.apiKeys.find((candidate) => hashSecret(candidate.value) === credential.id);
        const variable = key?.variable ?? "";
        rows.push({
          provider: provider.id,
          id: credential.id,
          variable,
          label: maskSecret(credential.secret),
          priority: credential.priority,
          source: workspace.variables.fromProcess.has(variable) ? "environment" : ".env",
          status: saved,
        });
        continue;
      }
      const relogin = workspace.accounts?.needsRelogin(credential.id) ?? null;
      rows.push({
        provider: provider.id,
        id: credential.id,
        variable: `oauth:${credential.account}`,
        label: credential.label,
        priority: credential.priority,
        source: credential.source === "file" ? "oauth_creds" : "environment",
        status: relogin === null ? saved : { status: "needs_relogin", reason: relogin },
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
