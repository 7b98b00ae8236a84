/**
 * OAuth accounts in a running proxy: loaded (and imported on the first start) before the pools are
 * built, refreshed in the background, and followed while the proxy runs — a login, an import or a
 * removed file (the watched `oauth_creds/`, `SIGHUP`, `POST /v1/admin/reload`) rebuilds the provider's
 * pool, and an account that needs a new login is marked so in its pool.
 */
import type { ProviderSetting, ProxyConfig } from "../config/schema.ts";
import { codeAssistPreparer } from "../credentials/code_assist_setup.ts";
import type { Credential } from "../credentials/credential.ts";
import { type FolderWatch, watchCredentialsFolder } from "../credentials/folder_watch.ts";
import { importOnFirstStart } from "../credentials/home_import.ts";
import { type AccountChange, type AccountsClock, OAuthAccounts } from "../credentials/oauth_accounts.ts";
import { oauthAuthorizer } from "../credentials/authorizer.ts";
import type { SharedTokens } from "../credentials/refresh_across_instances.ts";
import type { Logger } from "../log/logger.ts";
import type { Rotator } from "../rotator/rotator.ts";
import type { Authorize } from "../rotator/upstream_client.ts";
import type { FetchFunction } from "../rotator/upstream_call.ts";
import { type ConfiguredProvider, KNOWN_PROVIDERS } from "../../providers/mod.ts";

/** What a reload changed, by credential label. */
export interface ReloadSummary {
  added: string[];
  removed: string[];
}

/** The OAuth side of a running proxy. */
export interface OAuthRuntime {
  accounts: OAuthAccounts;
  /** The upstream client's authorize step. */
  authorize: Authorize;
  /** The OAuth accounts of a provider id, for building its pool. */
  credentialsOf(providerId: string): readonly Credential[];
  /** Keep `providers` (the array the app reads) and the rotator's pools in step with the accounts. */
  follow(providers: ConfiguredProvider[], rotator: Rotator): Promise<void>;
  /** Rescan `oauth_creds/` now. */
  reload(): Promise<ReloadSummary>;
  close(): void;
}

/** Options of {@link startOAuth}. */
export interface StartOAuthOptions {
  logger: Logger;
  fetch: FetchFunction;
  /** Time and timers of refreshes. @default the system clock */
  clock?: AccountsClock;
  /**
   * Where the credential files are: `<dataDir>/oauth_creds` (the server), another folder, or null for accounts
   * from variables only (the library's inline accounts). @default `<dataDir>/oauth_creds`
   */
  credentialsDirectory?: string | null;
  /** Follow the folder (file watch, `SIGHUP`); the library, which also runs in Node, does not. @default true */
  watch?: boolean;
  /** Tokens shared with other instances (Redis), so one refreshes an account at a time. */
  sharedTokens?: SharedTokens;
}

/** Load the accounts; call {@link OAuthRuntime.follow} once the pools exist. */
export async function startOAuth(config: ProxyConfig, options: StartOAuthOptions): Promise<OAuthRuntime> {
  const { logger, fetch, clock, credentialsDirectory, watch: watching = true, sharedTokens } = options;
  const { oauth } = config;
  const settingOf = (id: string): ProviderSetting | undefined =>
    config.providers.find((provider) => provider.id === id);
  if (oauth.home !== null) {
    await importOnFirstStart({ dataDir: config.dataDir, home: oauth.home, logger }).catch((error) =>
      logger.warn(`importing vendor CLI credentials failed: ${(error as Error).message}`)
    );
  }
  const preparer = (id: string) =>
    codeAssistPreparer(id, {
      apiBase: settingOf(id)?.baseUrl ?? undefined,
      fetch,
      projectId: oauth.projectIds[id],
    });
  const accounts = new OAuthAccounts({
    dataDir: credentialsDirectory === null ? null : config.dataDir,
    ...(typeof credentialsDirectory === "string" ? { credentialsDirectory } : {}),
    ...(clock ? { clock } : {}),
    env: oauth.credentialVariables,
    fetch,
    logger,
    oauthBases: oauth.oauthBases,
    refreshIntervalMs: oauth.refreshIntervalMs,
    preparers: { gemini_cli: preparer("gemini_cli"), antigravity: preparer("antigravity") },
    ...(sharedTokens ? { sharedTokens } : {}),
  });
  await accounts.load();
  let watch: FolderWatch | null = null;
  const reloadOnSignal = () => void runtime.reload();
  let signalListening = false;

  const runtime: OAuthRuntime = {
    accounts,
    authorize: oauthAuthorizer(accounts),
    credentialsOf: (providerId) => accounts.credentials(providerId),
    async follow(providers, rotator) {
      const rebuild = (providerId: string) => {
        const index = providers.findIndex((provider) => provider.id === providerId);
        const previous = index === -1 ? undefined : providers[index];
        const adapter = KNOWN_PROVIDERS.get(providerId);
        if (!adapter) return;
        const credentials = [
          ...(previous?.credentials.filter((credential) => credential.kind === "api_key") ?? []),
          ...accounts.credentials(providerId),
        ];
        if (credentials.length === 0) {
          if (index !== -1) providers.splice(index, 1);
          rotator.removePool(providerId);
          return;
        }
        const setting = settingOf(providerId);
        const next: ConfiguredProvider = previous ? { ...previous, credentials } : {
          id: providerId,
          adapter,
          baseUrl: setting?.baseUrl ?? adapter.defaultBaseUrl,
          credentials,
          custom: false,
          configuredModels: setting?.models ?? [],
        };
        if (index === -1) providers.push(next);
        else providers[index] = next;
        rotator.setCredentials(next);
        for (const credential of accounts.credentials(providerId)) {
          rotator.pool(providerId)?.setNeedsRelogin(
            credential.id,
            accounts.needsRelogin(credential.id) !== null,
          );
        }
      };
      accounts.subscribe((change: AccountChange) => {
        const { credential } = change;
        if (change.type === "added" || change.type === "removed") {
          logger.info(`${credential.provider}: account ${credential.label} ${change.type}`);
          rebuild(credential.provider);
        } else {
          rotator.pool(credential.provider)?.setNeedsRelogin(credential.id, change.type === "needs_relogin");
        }
      });
      accounts.start();
      // Problems show at start, without delaying it (vendors may be slow or unreachable).
      if (!oauth.skipInitCheck) void accounts.checkAll();
      if (!watching) return;
      watch = await watchCredentialsFolder(config.dataDir, { onChange: () => accounts.reload(), logger })
        .catch((error) => {
          logger.warn(
            `oauth_creds/ is not watched (${(error as Error).message}); use SIGHUP or /v1/admin/reload`,
          );
          return null;
        });
      if (Deno.build.os !== "windows") {
        Deno.addSignalListener("SIGHUP", reloadOnSignal);
        signalListening = true;
      }
    },
    async reload() {
      const { added, removed } = await accounts.reload();
      return {
        added: added.map((credential) => credential.label),
        removed: removed.map((credential) => credential.label),
      };
    },
    close() {
      accounts.stop();
      watch?.close();
      if (signalListening) Deno.removeSignalListener("SIGHUP", reloadOnSignal);
    },
  };
  return runtime;
}
