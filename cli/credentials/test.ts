/** `credentials test [<provider>]`: one cheap live call per credential: ok, invalid, rate limited, unreachable. */
import { CommandFailure, UsageFailure } from "../failure.ts";
import { say } from "../output.ts";
import { type Fetch, testCredential, type TestOutcome } from "../provider_listing.ts";
import { renderTable } from "../table.ts";
import { requireProvider, type Workspace } from "../workspace.ts";
import { openWorkspace } from "../workspace.ts";
import { credentialRows } from "./credential_rows.ts";

/** One tested credential. */
export interface TestedCredential {
  provider: string;
  variable: string;
  label: string;
  outcome: TestOutcome;
}

/** Test every credential of the workspace (or of one provider), a provider's keys one after another. */
export async function testCredentials(
  workspace: Workspace,
  options: { provider?: string; fetch?: Fetch; timeoutMs?: number } = {},
): Promise<TestedCredential[]> {
  const providers = options.provider === undefined
    ? workspace.providers
    : [requireProvider(workspace, options.provider)];
  const rows = credentialRows(workspace, new Map(), Date.now());
  const perProvider = await Promise.all(providers.map(async (provider) => {
    const results: TestedCredential[] = [];
    // One provider's keys go one at a time so a test never bursts a provider's rate limit.
    for (const credential of provider.credentials) {
      const row = rows.find((candidate) =>
        candidate.provider === provider.id && candidate.id === credential.id
      );
      const outcome = await testCredential(provider, credential, {
        authorize: workspace.authorize,
        ...options,
      });
      results.push({
        provider: provider.id,
        variable: row?.variable ?? "",
        label: credential.label,
        outcome,
      });
    }
    return results;
  }));
  return perProvider.flat();
}

const VERDICT_WORDS: Record<TestOutcome["verdict"], string> = {
  ok: "ok",
  invalid: "invalid",
  rate_limited: "rate limited",
  unreachable: "unreachable",
  error: "error",
};

/** The results as a table. */
export function renderTestResults(results: readonly TestedCredential[]): string[] {
  return renderTable(
    ["PROVIDER", "VARIABLE", "KEY", "RESULT", "DETAIL"],
    results.map((result) => [
      result.provider,
      result.variable,
      result.label,
      VERDICT_WORDS[result.outcome.verdict],
      result.outcome.verdict === "ok" ? "" : result.outcome.detail,
    ]),
  );
}

/** The command: exit 1 unless every credential answered ok. */
export async function testCommand(
  provider: string | undefined,
  options: { json?: boolean; dataDir?: string; timeout?: string },
): Promise<void> {
  const workspace = await openWorkspace(options.dataDir);
  if (workspace.providers.length === 0) throw new CommandFailure("no credentials configured");
  const timeoutMs = options.timeout === undefined ? undefined : Number(options.timeout) * 1000;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) {
    throw new UsageFailure(`--timeout must be a number of seconds greater than 0 (got "${options.timeout}")`);
  }
  const results = await testCredentials(workspace, { provider, timeoutMs });
  if (options.json) {
    say(JSON.stringify(
      {
        object: "list",
        data: results.map((result) => ({
          provider: result.provider,
          variable: result.variable,
          key: result.label,
          result: result.outcome.verdict,
          status: result.outcome.status,
          detail: result.outcome.detail,
        })),
      },
      null,
      2,
    ));
  } else for (const line of renderTestResults(results)) say(line);
  const failed = results.filter((result) => result.outcome.verdict !== "ok").length;
  if (failed > 0) throw new CommandFailure(`${failed} of ${results.length} credentials failed the test`);
}
