/**
 * Finding a Code Assist account's project and tier (google-gemini/gemini-cli `code_assist/setup.ts`):
 * `loadCodeAssist`, then `onboardUser` polled as a long-running operation when the account has no
 * tier yet. Accounts Google marks ineligible (`UNSUPPORTED_CLIENT` since 2026-06-18 for individuals)
 * are refused with Google's own reason.
 */
import { arch, platform } from "node:os";
import { z } from "zod";
import type { FetchFunction } from "./token_endpoint.ts";

/** Code Assist production host: gemini-cli's only endpoint. */
export const CODE_ASSIST_PROD = "https://cloudcode-pa.googleapis.com";
/** Antigravity's first choice for calls (CLIProxyAPI HEAD), then production. */
export const CODE_ASSIST_DAILY = "https://daily-cloudcode-pa.googleapis.com";

/** The account cannot use this client; only another account (or product) helps. */
export class AccountIneligibleError extends Error {
  override readonly name = "AccountIneligibleError";
  readonly permanent = true;
}

const tierSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  isDefault: z.boolean().optional(),
  userDefinedCloudaicompanionProject: z.boolean().optional(),
});
const projectSchema = z.union([z.string(), z.looseObject({ id: z.string().optional() })]).optional();
const loadAnswerSchema = z.looseObject({
  currentTier: tierSchema.nullable().optional(),
  paidTier: tierSchema.nullable().optional(),
  allowedTiers: z.array(tierSchema).optional(),
  ineligibleTiers: z.array(z.looseObject({
    reasonCode: z.string().optional(),
    reasonMessage: z.string().optional(),
    tierId: z.string().optional(),
    validationUrl: z.string().optional(),
  })).optional(),
  cloudaicompanionProject: projectSchema.nullable(),
});
const operationSchema = z.looseObject({
  name: z.string().optional(),
  done: z.boolean().optional(),
  response: z.looseObject({ cloudaicompanionProject: projectSchema }).optional(),
});

/** Which client asks: the metadata and headers differ. */
export interface CodeAssistClientKind {
  /** `IDE_UNSPECIFIED` (gemini-cli) or `ANTIGRAVITY`. */
  ideType: "IDE_UNSPECIFIED" | "ANTIGRAVITY";
  userAgent: string;
  /** Where `loadCodeAssist` goes (and `onboardUser`, unless {@link onboardApiBase} says otherwise). */
  apiBase: string;
  /** Where `onboardUser` and its operation go. @default apiBase */
  onboardApiBase?: string;
  /** A project to use when Google names none (Antigravity business accounts). */
  fallbackProject?: string;
  /** The User-Agent of `onboardUser`. @default userAgent */
  onboardUserAgent?: string;
  /** More headers of `onboardUser`. @default none */
  onboardHeaders?: Readonly<Record<string, string>>;
  /** The `metadata` of `onboardUser`. @default the metadata `loadCodeAssist` got */
  onboardMetadata?: Readonly<Record<string, string>>;
  /** The tier onboarded when Google names no default. @default "legacy-tier" (gemini-cli) */
  defaultTier?: string;
  /** Onboard a paid tier without a project of the user's (Google names one, or the fallback serves). */
  projectOptional?: boolean;
}

/** Options of {@link setupCodeAssist}. */
export interface CodeAssistSetupOptions extends CodeAssistClientKind {
  fetch?: FetchFunction;
  /** The user's own project (`<PROVIDER>_PROJECT_ID`); needed for the standard tier. */
  projectId?: string;
  /** Waits between operation polls. @default a real 5 s timer */
  sleep?: (delayMs: number, signal?: AbortSignal) => Promise<void>;
  /** @default 5_000 (gemini-cli) */
  pollIntervalMs?: number;
  /** @default 24 (two minutes at 5 s) */
  maxPolls?: number;
  signal?: AbortSignal;
}

/** An account's project and tier. */
export interface CodeAssistAccount {
  projectId: string;
  tier: string;
}

/** Find (or create, by onboarding) the account's Code Assist project. */
export async function setupCodeAssist(
  accessToken: string,
  options: CodeAssistSetupOptions,
): Promise<CodeAssistAccount> {
  const {
    fetch = globalThis.fetch,
    projectId,
    ideType,
    sleep = (delayMs: number) => new Promise<void>((resolve) => setTimeout(resolve, delayMs)),
    pollIntervalMs = 5_000,
    maxPolls = 24,
    signal,
  } = options;
  const base = options.apiBase.replace(/\/+$/, "");
  const onboardBase = (options.onboardApiBase ?? options.apiBase).replace(/\/+$/, "");
  const call = async (
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    host = base,
    headers: Readonly<Record<string, string>> = { "user-agent": options.userAgent },
  ): Promise<unknown> => {
    const response = await fetch(`${host}${path}`, {
      method,
      headers: {
        "authorization": `Bearer ${accessToken}`,
        "content-type": "application/json",
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`Code Assist ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    }
    return JSON.parse(text);
  };
  const metadata = {
    ideType,
    platform: "PLATFORM_UNSPECIFIED",
    pluginType: "GEMINI",
    ...(projectId ? { duetProject: projectId } : {}),
  };
  const loaded = loadAnswerSchema.parse(
    await call("POST", "/v1internal:loadCodeAssist", {
      ...(projectId ? { cloudaicompanionProject: projectId } : {}),
      metadata,
    }),
  );
  const ineligible = loaded.ineligibleTiers ?? [];
  if (loaded.currentTier) {
    const project = projectIdOf(loaded.cloudaicompanionProject) ?? projectId ?? options.fallbackProject;
    if (!project) throw new AccountIneligibleError(ineligibleMessage(ineligible) ?? NEEDS_PROJECT);
    return { projectId: project, tier: loaded.paidTier?.id ?? loaded.currentTier.id ?? "unknown" };
  }
  const tier = loaded.allowedTiers?.find((allowed) => allowed.isDefault)?.id ?? options.defaultTier ??
    "legacy-tier";
  const refused = ineligible.filter((entry) =>
    entry.tierId === tier || entry.reasonCode === "UNSUPPORTED_CLIENT"
  );
  if (refused.length > 0 || (ineligible.length > 0 && !loaded.allowedTiers?.length)) {
    throw new AccountIneligibleError(ineligibleMessage(refused.length > 0 ? refused : ineligible)!);
  }
  // The free tier runs in a project Google manages: sending one fails with "Precondition Failed".
  const onboardProject = tier === "free-tier" ? undefined : projectId;
  if (tier !== "free-tier" && !onboardProject && !options.projectOptional) {
    throw new AccountIneligibleError(NEEDS_PROJECT);
  }
  const onboardHeaders = {
    "user-agent": options.onboardUserAgent ?? options.userAgent,
    ...options.onboardHeaders,
  };
  const onboard = async () =>
    operationSchema.parse(
      await call(
        "POST",
        "/v1internal:onboardUser",
        {
          tierId: tier,
          ...(onboardProject ? { cloudaicompanionProject: onboardProject } : {}),
          metadata: options.onboardMetadata ?? metadata,
        },
        onboardBase,
        onboardHeaders,
      ),
    );
  let operation = await onboard();
  for (let poll = 0; !operation.done; poll++) {
    if (poll >= maxPolls) throw new Error("Code Assist onboarding did not finish; try again later");
    await sleep(pollIntervalMs, signal);
    // A named operation is polled (gemini-cli); an unnamed one is asked again (CLIProxyAPI's Antigravity).
    operation = operation.name
      ? operationSchema.parse(
        await call("GET", `/v1internal/${operation.name}`, undefined, onboardBase, onboardHeaders),
      )
      : await onboard();
  }
  const project = projectIdOf(operation.response?.cloudaicompanionProject) ?? onboardProject ??
    options.fallbackProject;
  if (!project) throw new Error("Code Assist onboarding finished without a project");
  return { projectId: project, tier };
}

const NEEDS_PROJECT =
  "this account needs a Google Cloud project with Gemini Code Assist; set <PROVIDER>_PROJECT_ID";

function projectIdOf(value: string | { id?: string } | null | undefined): string | undefined {
  if (typeof value === "string") return value || undefined;
  return value?.id || undefined;
}

function ineligibleMessage(
  entries: readonly { reasonCode?: string; reasonMessage?: string; validationUrl?: string }[],
): string | undefined {
  if (entries.length === 0) return undefined;
  return entries.map((entry) =>
    `${entry.reasonCode ?? "INELIGIBLE"}: ${entry.reasonMessage ?? "Google refuses this account"}` +
    (entry.validationUrl ? ` (verify at ${entry.validationUrl})` : "")
  ).join("; ");
}

/** gemini-cli's version we present (google-gemini/gemini-cli core 0.56, 2026-08). */
export const GEMINI_CLI_VERSION = "0.56.0";
/** Antigravity hub version: "Cloud Code rejects newer models for clients below 2.9.0" (CLIProxyAPI). */
export const ANTIGRAVITY_VERSION = "2.9.1";

/** The gemini-cli User-Agent for `model` (`GeminiCLI/<version>/<model> (<platform>; <arch>; terminal)`). */
export function geminiCliUserAgent(model: string): string {
  // `node:os` names them as gemini-cli (a Node program) does, and runs under the library's Node build too.
  const machine = arch() === "arm64" ? "arm64" : "x64";
  return `GeminiCLI/${GEMINI_CLI_VERSION}/${model} (${platform()}; ${machine}; terminal)`;
}

/** Antigravity's User-Agent (CLIProxyAPI `antigravity_version.go`). */
export const ANTIGRAVITY_USER_AGENT = `antigravity/hub/${ANTIGRAVITY_VERSION} darwin/arm64`;

/** How `provider` (gemini_cli or antigravity) talks to Code Assist during set-up. */
export function codeAssistClientKind(provider: string, apiBase?: string): CodeAssistClientKind {
  if (provider === "antigravity") {
    return {
      ideType: "ANTIGRAVITY",
      userAgent: ANTIGRAVITY_USER_AGENT,
      // CLIProxyAPI sends loadCodeAssist to production and onboardUser to the daily host (vendor facts §7.1);
      // business accounts without a project fall back to the project the Antigravity proxies share
      // (opencode-antigravity-auth, antigravity-claude-proxy).
      apiBase: apiBase ?? CODE_ASSIST_PROD,
      onboardApiBase: apiBase ?? CODE_ASSIST_DAILY,
      fallbackProject: "rising-fact-p41fc",
      // CLIProxyAPI `internal/auth/antigravity/auth.go`: the onboarding call speaks as the Node client library.
      onboardUserAgent: `${ANTIGRAVITY_USER_AGENT} google-api-nodejs-client/10.3.0`,
      onboardHeaders: { "x-goog-api-client": "gl-node/22.21.1" },
      onboardMetadata: { ide_type: "ANTIGRAVITY", ide_version: ANTIGRAVITY_VERSION, ide_name: "antigravity" },
      defaultTier: "free-tier",
      projectOptional: true,
    };
  }
  return {
    ideType: "IDE_UNSPECIFIED",
    userAgent: geminiCliUserAgent("gemini-2.5-pro"),
    apiBase: apiBase ?? CODE_ASSIST_PROD,
  };
}

/**
 * An {@link setupCodeAssist} run for accounts that arrive without a project (imported from
 * `~/.gemini`, env without `_PROJECT_ID`), as an `OAuthAccounts` preparer.
 */
export function codeAssistPreparer(
  provider: string,
  options: { apiBase?: string; fetch?: FetchFunction; projectId?: string } = {},
) {
  return async (
    context: { accessToken: string; signal?: AbortSignal },
  ): Promise<{ projectId: string; tier: string }> =>
    await setupCodeAssist(context.accessToken, {
      ...codeAssistClientKind(provider, options.apiBase),
      fetch: options.fetch,
      projectId: options.projectId,
      signal: context.signal,
    });
}
