/**
 * The OAuth accounts of every provider and their tokens: loaded from `oauth_creds/` and the
 * environment, refreshed before they expire (on demand and in the background), one refresh in flight
 * per account shared by every caller, and `needs_relogin` when the vendor says the refresh token is
 * dead. Its {@link OAuthAccounts.authorize} is the upstream client's authorize step.
 */
import { readFile } from "node:fs/promises";
import type { Logger } from "../log/logger.ts";
import type { EventHub } from "../rotator/events.ts";
import {
  type AnyCredential,
  type OAuthCredential,
  oauthCredential,
  type OAuthMetadata,
} from "./credential.ts";
import { readEnvCredentials } from "./env_credentials.ts";
import { readCredentialFiles, writeCredentialFile } from "./file_store.ts";
import { chatGptIdentity, jwtExpiryMs } from "./jwt.ts";
import { NeedsReloginError } from "./needs_relogin_error.ts";
import { oauthClientOf } from "./oauth_clients.ts";
import { RefreshAcrossInstances, type SharedTokens } from "./refresh_across_instances.ts";
import { metadataOf, secretsOf, type StoredCredential, withMetadata } from "./stored_credential.ts";
import { type FetchFunction, OAuthTokenError, refreshWithToken } from "./token_endpoint.ts";

/** Time and timers (the rotator's `Clock` has this shape). */
export interface AccountsClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/**
 * Completes an account's metadata once it has a token (Code Assist: find or onboard its project). An
 * error with `permanent: true` marks the account `needs_relogin`.
 */
export type AccountPreparer = (context: {
  credential: OAuthCredential;
  accessToken: string;
  signal?: AbortSignal;
}) => Promise<Partial<OAuthMetadata> | void>;

/** A change other parts follow: a pool adds, drops or re-enables a member. */
export type AccountChange =
  | { type: "added"; credential: OAuthCredential }
  | { type: "removed"; credential: OAuthCredential }
  | { type: "needs_relogin"; credential: OAuthCredential; reason: string }
  | { type: "restored"; credential: OAuthCredential };

/** Options of {@link OAuthAccounts}. */
export interface OAuthAccountsOptions {
  /** Data directory holding `oauth_creds/`; null for env-only (stateless) deployments. */
  dataDir: string | null;
  /** The folder of credential files, when it is not `<dataDir>/oauth_creds` (the library's `oauth` folder). */
  credentialsDirectory?: string;
  /** Variables with env credentials. @default {} */
  env?: Readonly<Record<string, string>>;
  /** @default globalThis.fetch */
  fetch?: FetchFunction;
  clock?: AccountsClock;
  logger?: Logger;
  /** `<PROVIDER>_OAUTH_BASE` by provider id. @default {} */
  oauthBases?: Readonly<Record<string, string>>;
  /** Refresh when the token expires within this. @default 300_000 (5 minutes) */
  refreshLeadMs?: number;
  /** Background refresh period (`OAUTH_REFRESH_INTERVAL`). @default 600_000 */
  refreshIntervalMs?: number;
  /** Metadata completion per provider id. @default {} */
  preparers?: Readonly<Record<string, AccountPreparer>>;
  /** Receives `credential-state` events for `needs_relogin`. */
  events?: EventHub;
  /** Tokens shared with the other instances (`STATE_STORE=redis://…`): one refresh at a time among them. */
  sharedTokens?: SharedTokens;
}

/** Options of {@link OAuthAccounts.authorize}. */
export interface AuthorizeOptions {
  signal?: AbortSignal;
  /** The API refused the token (401): refresh now, once, whatever the expiry says. */
  forceRefresh?: boolean;
}

interface Account {
  credential: OAuthCredential;
  stored: StoredCredential;
  /** The file holding it, null for env credentials (refreshed tokens stay in memory). */
  path: string | null;
  needsRelogin: string | null;
  refreshing: Promise<void> | null;
  preparing: Promise<void> | null;
  lastRefreshMs: number;
}

/** Priority from the tier or plan: paid accounts serve before free ones. */
export function priorityOfTier(tier: string | undefined): number {
  return tier !== undefined && /(^|-)free(-|$)|^legacy-tier$/.test(tier) ? 2 : 1;
}

// A forced refresh right after another one (20 calls that all got a 401 on the old token) reuses it.
const FORCED_REFRESH_GRACE_MS = 10_000;

const systemClock: AccountsClock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Every OAuth account and its tokens. */
export class OAuthAccounts {
  readonly #accounts = new Map<string, Account>();
  readonly #listeners = new Set<(change: AccountChange) => void>();
  readonly #dataDir: string | null;
  readonly #directory: string | undefined;
  readonly #env: Readonly<Record<string, string>>;
  readonly #fetch: FetchFunction;
  readonly #clock: AccountsClock;
  readonly #logger?: Logger;
  readonly #oauthBases: Readonly<Record<string, string>>;
  readonly #refreshLeadMs: number;
  readonly #refreshIntervalMs: number;
  readonly #preparers: Readonly<Record<string, AccountPreparer>>;
  readonly #events?: EventHub;
  readonly #acrossInstances?: RefreshAcrossInstances;
  #timer: unknown = null;
  #reloading: Promise<unknown> = Promise.resolve();

  constructor(options: OAuthAccountsOptions) {
    this.#dataDir = options.dataDir;
    this.#directory = options.credentialsDirectory;
    this.#env = options.env ?? {};
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#oauthBases = options.oauthBases ?? {};
    this.#refreshLeadMs = options.refreshLeadMs ?? 300_000;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 600_000;
    this.#preparers = options.preparers ?? {};
    this.#events = options.events;
    if (options.sharedTokens) {
      this.#acrossInstances = new RefreshAcrossInstances(options.sharedTokens, {
        clock: this.#clock,
        logger: this.#logger,
        onNews: (credentialId) => void this.#takeSharedTokens(credentialId),
      });
    }
  }

  /** Read files and env; later calls are {@link reload}. */
  async load(): Promise<void> {
    await this.reload();
    for (const { credential, origin } of readEnvCredentials(this.#env)) {
      const key = accountId(credential);
      if (this.#accounts.has(key)) {
        this.#logger?.warn(
          `${origin}_*: ${credential.account} is already stored in a file; the file is used`,
        );
        continue;
      }
      this.#add(credential, null);
    }
  }

  /**
   * Rescan `oauth_creds/`: new files join, removed files leave, files whose tokens changed (a new login)
   * replace the tokens and bring a `needs_relogin` account back. Env credentials are untouched.
   */
  reload(): Promise<{ added: OAuthCredential[]; removed: OAuthCredential[] }> {
    // One rescan at a time (the folder watch, SIGHUP and the admin endpoint may ask together).
    const next = this.#reloading.then(() => this.#rescan());
    this.#reloading = next.catch(() => {});
    return next;
  }

  async #rescan(): Promise<{ added: OAuthCredential[]; removed: OAuthCredential[] }> {
    const added: OAuthCredential[] = [];
    const removed: OAuthCredential[] = [];
    if (this.#dataDir === null && this.#directory === undefined) return { added, removed };
    const files = await readCredentialFiles(this.#dataDir ?? "", {
      logger: this.#logger,
      ...(this.#directory === undefined ? {} : { directory: this.#directory }),
    });
    const seen = new Set<string>();
    for (const file of files) {
      const key = accountId(file.credential);
      if (seen.has(key)) {
        this.#logger?.warn(`${file.path}: ${file.credential.account} is stored twice; this copy is ignored`);
        continue;
      }
      seen.add(key);
      const existing = this.#accounts.get(key);
      if (!existing) {
        added.push(this.#add(file.credential, file.path));
        continue;
      }
      if (existing.path === null) {
        this.#logger?.warn(
          `${file.path}: ${file.credential.account} replaces the env credential of that account`,
        );
        existing.path = file.path;
      }
      if (file.credential.access_token !== existing.stored.access_token && !existing.refreshing) {
        this.#adopt(existing, file.credential);
      }
    }
    for (const [key, account] of this.#accounts) {
      if (account.path === null || seen.has(key)) continue;
      this.#accounts.delete(key);
      removed.push(account.credential);
      this.#notify({ type: "removed", credential: account.credential });
    }
    return { added, removed };
  }

  /** The accounts of `provider` (all providers when omitted), including those that need a new login. */
  credentials(provider?: string): OAuthCredential[] {
    return [...this.#accounts.values()]
      .filter((account) => provider === undefined || account.credential.provider === provider)
      .map((account) => account.credential);
  }

  /** Why the account needs a new login, or null when it does not. */
  needsRelogin(credentialId: string): string | null {
    return this.#byCredentialId(credentialId)?.needsRelogin ?? null;
  }

  /** Follow membership and state changes; returns the function that stops following. */
  subscribe(listener: (change: AccountChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The access token for a call: refreshed first when it expires within the lead time, or when
   * `forceRefresh` (after a 401). API keys return their secret. Throws {@link NeedsReloginError}.
   */
  async authorize(credential: AnyCredential, options: AuthorizeOptions = {}): Promise<string> {
    if (credential.kind === "api_key") return credential.secret;
    const { signal, forceRefresh = false } = options;
    const account = this.#accounts.get(credential.id);
    if (!account) throw new NeedsReloginError(credential, "the credential was removed");
    if (account.needsRelogin !== null) throw new NeedsReloginError(credential, account.needsRelogin);
    const nowMs = this.#clock.now();
    const recentlyRefreshed = account.lastRefreshMs > 0 &&
      nowMs - account.lastRefreshMs < FORCED_REFRESH_GRACE_MS;
    if (account.refreshing) {
      await withSignal(account.refreshing, signal);
    } else if (!recentlyRefreshed && (forceRefresh || !this.#isFresh(account, nowMs))) {
      await withSignal(this.#refresh(account, forceRefresh), signal);
    }
    await this.#prepare(account, signal);
    return account.stored.access_token;
  }

  /** Refresh every account whose token expires before the next background round. Returns how many. */
  async refreshExpiring(): Promise<number> {
    const horizonMs = this.#clock.now() + this.#refreshIntervalMs + this.#refreshLeadMs;
    let refreshed = 0;
    for (const account of this.#accounts.values()) {
      const expiry = account.stored.expiry_date;
      if (account.needsRelogin !== null || !account.stored.refresh_token) continue;
      if (
        account.stored.access_token !== "" && (expiry === null || expiry === undefined || expiry > horizonMs)
      ) {
        continue;
      }
      try {
        await this.#refresh(account);
        refreshed++;
      } catch (error) {
        if (!(error instanceof NeedsReloginError)) {
          this.#logger?.warn(
            `background refresh of ${account.credential.label} failed: ${(error as Error).message}`,
          );
        }
      }
    }
    return refreshed;
  }

  /**
   * The start-up check (skipped with `SKIP_OAUTH_INIT_CHECK`): refresh expired tokens and complete
   * missing metadata (Code Assist projects) of every account, so that problems show in the log at start
   * rather than on the first call. Failures are logged; they never stop the start.
   */
  async checkAll(): Promise<void> {
    await Promise.all([...this.#accounts.values()].map(async (account) => {
      if (account.needsRelogin !== null) return;
      try {
        await this.authorize(account.credential);
      } catch (error) {
        if (!(error instanceof NeedsReloginError)) {
          this.#logger?.warn(
            `${account.credential.provider} account ${account.credential.label}: ${(error as Error).message}`,
          );
        }
      }
    }));
  }

  /** Start the background refresh (every `refreshIntervalMs`). */
  start(): void {
    if (this.#timer !== null) return;
    const round = () => {
      this.#timer = this.#clock.setTimer(() => {
        this.refreshExpiring().finally(() => {
          if (this.#timer !== null) round();
        });
      }, this.#refreshIntervalMs);
    };
    round();
  }

  /** Stop the background refresh. */
  stop(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  #add(stored: StoredCredential, path: string | null): OAuthCredential {
    const credential = oauthCredential(stored.provider, stored.account, {
      metadata: metadataOf(stored),
      priority: stored.priority ?? priorityOfTier(stored.tier),
      source: path === null ? "env" : "file",
    });
    this.#logger?.addSecrets(secretsOf(stored));
    this.#accounts.set(credential.id, {
      credential,
      stored,
      path,
      needsRelogin: null,
      refreshing: null,
      preparing: null,
      lastRefreshMs: 0,
    });
    this.#notify({ type: "added", credential });
    return credential;
  }

  /** Take tokens written by someone else (a new login, another process). */
  #adopt(account: Account, stored: StoredCredential): void {
    account.stored = stored;
    Object.assign(account.credential.metadata, metadataOf(stored));
    this.#logger?.addSecrets(secretsOf(stored));
    if (account.needsRelogin !== null) {
      account.needsRelogin = null;
      this.#notify({ type: "restored", credential: account.credential });
    }
  }

  #byCredentialId(credentialId: string): Account | undefined {
    return this.#accounts.get(credentialId);
  }

  /** Whether a token is not yet expired (short of a minute, so that a call started now is not refused). */
  #livesOn(stored: StoredCredential): boolean {
    const expiry = stored.expiry_date;
    return stored.access_token !== "" &&
      (expiry === null || expiry === undefined || expiry - this.#clock.now() > 60_000);
  }

  #isFresh(account: Account, nowMs: number): boolean {
    if (account.stored.access_token === "") return false;
    const expiry = account.stored.expiry_date;
    return expiry === null || expiry === undefined || expiry - nowMs > this.#refreshLeadMs;
  }

  #refresh(account: Account, forced = false): Promise<void> {
    const across = this.#acrossInstances;
    account.refreshing ??=
      (across
        ? across.refresh(account.credential.id, this.#stepsOf(account, forced))
        : this.#runRefresh(account))
        .finally(() => {
          account.refreshing = null;
        });
    return account.refreshing;
  }

  /** A refresh of `account` as {@link RefreshAcrossInstances} runs it. */
  #stepsOf(account: Account, forced: boolean) {
    return {
      current: () => account.stored,
      // While another instance refreshes, a token the API has not refused and that lives on still serves.
      canServe: () => !forced && this.#livesOn(account.stored),
      isFresh: (stored: StoredCredential) => this.#isFresh({ ...account, stored }, this.#clock.now()),
      adopt: (stored: StoredCredential) => this.#adoptShared(account, stored),
      refresh: async () => {
        await this.#runRefresh(account);
        return account.stored;
      },
    };
  }

  /** Another instance announced new tokens: take them, unless this one is refreshing the account itself. */
  async #takeSharedTokens(credentialId: string): Promise<void> {
    const account = this.#accounts.get(credentialId);
    if (!account || account.refreshing || !this.#acrossInstances) return;
    const latest = await this.#acrossInstances.newerThan(credentialId, account.stored);
    if (latest && !account.refreshing) this.#adoptShared(account, latest);
  }

  /** Take tokens another instance refreshed, and keep them in this instance's file too. */
  #adoptShared(account: Account, stored: StoredCredential): void {
    this.#adopt(account, stored);
    account.lastRefreshMs = this.#clock.now();
    this.#logger?.debug(
      `${account.credential.provider} account ${account.credential.label}: token from another instance`,
    );
    void this.#persist(account);
  }

  async #runRefresh(account: Account): Promise<void> {
    const { credential } = account;
    if (account.path !== null) {
      // Another process (or a login) may have refreshed already; OpenAI refresh tokens rotate, so using
      // our older one would fail as `refresh_token_reused`.
      const onDisk = await readStored(account.path);
      if (onDisk && onDisk.access_token !== account.stored.access_token) {
        this.#adopt(account, onDisk);
        if (this.#isFresh(account, this.#clock.now())) return;
      }
    }
    const refreshToken = account.stored.refresh_token;
    if (!refreshToken) {
      this.#markNeedsRelogin(account, "the access token expired and there is no refresh token");
      throw new NeedsReloginError(credential, account.needsRelogin!);
    }
    let answer;
    try {
      answer = await refreshWithToken(oauthClientOf(credential.provider), refreshToken, {
        fetch: this.#fetch,
        oauthBase: this.#oauthBases[credential.provider],
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      if (error instanceof OAuthTokenError && error.permanent) {
        this.#markNeedsRelogin(account, error.code ?? `refresh answered ${error.status}`);
        throw new NeedsReloginError(credential, account.needsRelogin!);
      }
      throw error;
    }
    const nowMs = this.#clock.now();
    const next: StoredCredential = {
      ...account.stored,
      access_token: answer.access_token,
      // Google and Qwen may answer without a new refresh token: the old one stays valid.
      refresh_token: answer.refresh_token ?? refreshToken,
      expiry_date: answer.expires_in !== undefined
        ? nowMs + answer.expires_in * 1000
        : jwtExpiryMs(answer.access_token) ?? null,
    };
    if (answer.id_token) next.id_token = answer.id_token;
    if (answer.resource_url) next.resource_url = answer.resource_url;
    if (credential.provider === "openai_codex") {
      const identity = chatGptIdentity(answer.id_token ?? answer.access_token);
      if (identity.accountId) next.account_id = identity.accountId;
      if (identity.planType) next.tier = identity.planType;
    }
    account.stored = next;
    account.lastRefreshMs = nowMs;
    Object.assign(credential.metadata, metadataOf(next));
    this.#logger?.addSecrets(secretsOf(next));
    this.#logger?.debug(`${credential.provider} account ${credential.label}: token refreshed`);
    await this.#persist(account);
  }

  async #prepare(account: Account, signal?: AbortSignal): Promise<void> {
    const preparer = this.#preparers[account.credential.provider];
    if (!preparer || account.credential.metadata.projectId) return;
    account.preparing ??= (async () => {
      try {
        const found = await preparer({
          credential: account.credential,
          accessToken: account.stored.access_token,
          signal,
        });
        if (!found) return;
        Object.assign(account.credential.metadata, found);
        account.stored = withMetadata(account.stored, account.credential.metadata);
        await this.#persist(account);
      } catch (error) {
        if ((error as { permanent?: unknown }).permanent === true) {
          this.#markNeedsRelogin(account, (error as Error).message);
          throw new NeedsReloginError(account.credential, account.needsRelogin!);
        }
        throw error;
      } finally {
        account.preparing = null;
      }
    })();
    await withSignal(account.preparing, signal);
  }

  async #persist(account: Account): Promise<void> {
    if (account.path === null) return;
    try {
      await writeCredentialFile(account.path, account.stored);
    } catch (error) {
      this.#logger?.error(`cannot write ${account.path}: ${(error as Error).message}`);
    }
  }

  #markNeedsRelogin(account: Account, reason: string): void {
    if (account.needsRelogin !== null) return;
    account.needsRelogin = reason;
    const { credential } = account;
    this.#logger?.warn(
      `${credential.provider} account ${credential.label} needs a new login (${reason}); the other accounts serve`,
    );
    this.#events?.emit({
      type: "credential-state",
      atMs: this.#clock.now(),
      provider: credential.provider,
      credentialId: credential.id,
      credentialLabel: credential.label,
      scope: null,
      state: "needs_relogin",
      reason,
    });
    this.#notify({ type: "needs_relogin", credential, reason });
  }

  #notify(change: AccountChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#logger?.error(`an OAuth account listener failed: ${(error as Error).message}`);
      }
    }
  }
}

function accountId(stored: StoredCredential): string {
  return oauthCredential(stored.provider, stored.account).id;
}

async function readStored(path: string): Promise<StoredCredential | null> {
  try {
    const files = JSON.parse(await readFile(path, "utf8"));
    return typeof files?.access_token === "string" ? files as StoredCredential : null;
  } catch {
    return null;
  }
}

/** Wait for `promise`, or reject when `signal` aborts first (the shared work itself goes on). */
function withSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
