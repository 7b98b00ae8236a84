/**
 * The launcher's header: listen address, whether the client key is set (never the key), providers
 * with credential counts and states, and a "start here" panel when nothing is configured. Pure.
 */
import type { CredentialRow } from "../credentials/credential_rows.ts";

/** What the header shows. */
export interface HeaderSummary {
  host: string;
  port: string;
  clientKeySet: boolean;
  /** Per provider: credential rows (masked) with their states. */
  rows: readonly CredentialRow[];
  /** Problems that stop the configuration from loading (shown in a warning panel). */
  problems: readonly string[];
}

/** The header's lines. */
export function renderHeader(summary: HeaderSummary): string[] {
  const lines = [
    `Listen       http://${summary.host.includes(":") ? `[${summary.host}]` : summary.host}:${summary.port}`,
    `Client key   ${summary.clientKeySet ? "set" : "not set (generated when the proxy first starts)"}`,
  ];
  const byProvider = new Map<string, CredentialRow[]>();
  for (const row of summary.rows) {
    byProvider.set(row.provider, [...(byProvider.get(row.provider) ?? []), row]);
  }
  if (byProvider.size === 0) lines.push("Providers    none");
  let first = true;
  for (const [provider, rows] of byProvider) {
    const counts = new Map<string, number>();
    for (const row of rows) {
      const word = row.status.status === "needs_relogin" ? "needs re-login" : row.status.status;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    const states = [...counts].map(([word, count]) => `${count} ${word}`).join(", ");
    const noun = rows.length === 1 ? "credential" : "credentials";
    lines.push(`${first ? "Providers   " : "            "} ${provider}: ${rows.length} ${noun} (${states})`);
    first = false;
  }
  return lines;
}

/** The warning panel, or null when there is nothing to warn about. */
export function renderWarnings(summary: HeaderSummary): string[] | null {
  if (summary.problems.length > 0) {
    return [
      "The configuration has problems (the proxy will not start until they are fixed):",
      ...summary.problems.map((problem) => `  • ${problem}`),
    ];
  }
  if (summary.rows.length === 0) {
    return [
      "Nothing is configured yet. Start here:",
      "  Credentials → Add an API key (or a custom OpenAI-compatible provider),",
      "  then Run proxy.",
    ];
  }
  return null;
}
