import { deepStrictEqual as assertEquals, ok as assert, rejects as assertRejects } from "node:assert/strict";
import { codeAssistPreparer } from "../../../lib/credentials/code_assist_setup.ts";
import { startFakeCodeAssist } from "../../helpers/fake_oauth_code_assist.ts";
import { join } from "node:path";
import { OAuthAccounts } from "../../../lib/credentials/oauth_accounts.ts";
import { NeedsReloginError } from "../../../lib/credentials/needs_relogin_error.ts";
import { readCredentialFiles, saveCredential } from "../../../lib/credentials/file_store.ts";
import { createLogger } from "../../../lib/log/logger.ts";
import { EventHub, type ProxyEvent } from "../../../lib/rotator/events.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";
import { startFakeOAuth } from "../../helpers/fake_oauth.ts";

const MINUTE = 60_000;

async function withDataDir(run: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await Deno.makeTempDir();
  try {
    await run(dataDir);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("OAuthAccounts.authorize() refreshes an expiring token once under 20 concurrent calls", async () => {
  const oauth = startFakeOAuth({ vendor: "openai", refreshDelayMs: 50 });
  await withDataDir(async (dataDir) => {
    const clock = new FakeClock(Date.now());
    const tokens = oauth.issue();
    await saveCredential(dataDir, {
      provider: "openai_codex",
      account: "user@example.com (acc-123)",
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      id_token: tokens.id_token,
      // Expires in 2 minutes: inside the 5-minute lead.
      expiry_date: clock.now() + 2 * MINUTE,
    });
    const accounts = new OAuthAccounts({ dataDir, clock, oauthBases: { openai_codex: oauth.base } });
    await accounts.load();
    const [credential] = accounts.credentials("openai_codex");
    const results = await Promise.all(Array.from({ length: 20 }, () => accounts.authorize(credential)));
    assertEquals(oauth.refreshCount(), 1);
    assertEquals(new Set(results).size, 1);
    assert(results[0] !== tokens.access_token);
    // Codex refreshes as the Codex CLI does: JSON, with the rotated refresh token written back.
    const refresh = oauth.requests.find((request) => request.fields.grant_type === "refresh_token")!;
    assert(refresh.contentType.includes("application/json"));
    const [file] = await readCredentialFiles(dataDir);
    assertEquals(file.credential.access_token, results[0]);
    assert(file.credential.refresh_token !== tokens.refresh_token);
    assertEquals((await Deno.stat(file.path)).mode! & 0o777, 0o600);
    // A fresh token is used as it is.
    assertEquals(await accounts.authorize(credential), results[0]);
    assertEquals(oauth.refreshCount(), 1);
  });
  await oauth.close();
});

Deno.test("OAuthAccounts.authorize() marks invalid_grant needs_relogin, never retries, and says so once", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  await withDataDir(async (dataDir) => {
    const clock = new FakeClock(Date.now());
    const hub = new EventHub({ schedule: () => {} });
    const events: ProxyEvent[] = [];
    hub.subscribe((event) => void events.push(event));
    for (const email of ["dead@example.com", "alive@example.com"]) {
      const tokens = oauth.issue();
      await saveCredential(dataDir, {
        provider: "gemini_cli",
        account: email,
        email,
        project_id: "p-1",
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expiry_date: clock.now() - 1,
      });
      if (email === "dead@example.com") oauth.revokeAll();
    }
    const accounts = new OAuthAccounts({
      dataDir,
      clock,
      oauthBases: { gemini_cli: oauth.base },
      events: hub,
    });
    const changes: string[] = [];
    accounts.subscribe((change) => changes.push(`${change.type} ${change.credential.label}`));
    await accounts.load();
    const [dead, alive] = accounts.credentials("gemini_cli").sort((a, b) => a.label.localeCompare(b.label))
      .reverse();
    assertEquals(dead.label, "dead@example.com");
    await assertRejects(() => accounts.authorize(dead), NeedsReloginError);
    await assertRejects(() => accounts.authorize(dead), NeedsReloginError);
    const refreshCalls = oauth.requests.filter((request) =>
      request.fields.grant_type === "refresh_token"
    ).length;
    assertEquals(refreshCalls, 1, "a dead refresh token is not tried again");
    assertEquals(accounts.needsRelogin(dead.id), "invalid_grant");
    // The other account serves.
    assert((await accounts.authorize(alive)).startsWith("fake-access-"));
    hub.flush();
    assertEquals(events.map((event) => event.type === "credential-state" && event.state), ["needs_relogin"]);
    assert(changes.includes("needs_relogin dead@example.com"));
  });
  await oauth.close();
});

Deno.test("OAuthAccounts.authorize({ forceRefresh }) refreshes once after a 401 and then reuses the new token", async () => {
  const oauth = startFakeOAuth({ vendor: "qwen" });
  const tokens = oauth.issue();
  const clock = new FakeClock(Date.now());
  // Env only: no data directory, no files at all.
  const accounts = new OAuthAccounts({
    dataDir: null,
    clock,
    env: {
      QWEN_CODE_ACCESS_TOKEN: tokens.access_token,
      QWEN_CODE_REFRESH_TOKEN: tokens.refresh_token,
      QWEN_CODE_EXPIRY_DATE: String(clock.now() + 60 * MINUTE),
    },
    oauthBases: { qwen_code: oauth.base },
  });
  await accounts.load();
  const [credential] = accounts.credentials("qwen_code");
  assertEquals(credential.source, "env");
  assertEquals(await accounts.authorize(credential), tokens.access_token);
  const forced = await Promise.all([
    accounts.authorize(credential, { forceRefresh: true }),
    accounts.authorize(credential, { forceRefresh: true }),
  ]);
  assertEquals(oauth.refreshCount(), 1);
  assert(forced[0] !== tokens.access_token && forced[0] === forced[1]);
  // Qwen's refresh answer carries the API host; the metadata follows.
  assertEquals(credential.metadata.resourceUrl, "portal.qwen.ai");
  // A 401 seen moments later with the new token does not start a refresh loop.
  assertEquals(await accounts.authorize(credential, { forceRefresh: true }), forced[0]);
  assertEquals(oauth.refreshCount(), 1);
  await oauth.close();
});

Deno.test("OAuthAccounts background refresh renews tokens that expire before the next round", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const clock = new FakeClock(Date.now());
  const soon = oauth.issue();
  const later = oauth.issue();
  const accounts = new OAuthAccounts({
    dataDir: null,
    clock,
    env: {
      GEMINI_CLI_1_ACCESS_TOKEN: soon.access_token,
      GEMINI_CLI_1_REFRESH_TOKEN: soon.refresh_token,
      GEMINI_CLI_1_EXPIRY_DATE: String(clock.now() + 12 * MINUTE),
      GEMINI_CLI_1_EMAIL: "soon@example.com",
      GEMINI_CLI_2_ACCESS_TOKEN: later.access_token,
      GEMINI_CLI_2_REFRESH_TOKEN: later.refresh_token,
      GEMINI_CLI_2_EXPIRY_DATE: String(clock.now() + 60 * MINUTE),
      GEMINI_CLI_2_EMAIL: "later@example.com",
    },
    oauthBases: { gemini_cli: oauth.base },
    refreshIntervalMs: 10 * MINUTE,
  });
  await accounts.load();
  accounts.start();
  await clock.advance(10 * MINUTE);
  // The timer's round runs real I/O against the fake; wait for it without moving time.
  for (let i = 0; i < 100 && oauth.refreshCount() === 0; i++) await new Promise((r) => setTimeout(r, 10));
  accounts.stop();
  assertEquals(oauth.refreshCount(), 1);
  const refreshed = accounts.credentials("gemini_cli").find((credential) =>
    credential.label === "soon@example.com"
  )!;
  assert(refreshed.metadata.expiresAtMs! > clock.now() + 30 * MINUTE);
  await oauth.close();
});

Deno.test("OAuthAccounts registers every new token with the logger's redaction", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const lines: string[] = [];
  const logger = createLogger("debug", (_level, line) => lines.push(line));
  const tokens = oauth.issue();
  const accounts = new OAuthAccounts({
    dataDir: null,
    logger,
    env: { ANTIGRAVITY_REFRESH_TOKEN: tokens.refresh_token, ANTIGRAVITY_PROJECT_ID: "p-1" },
    oauthBases: { antigravity: oauth.base },
  });
  await accounts.load();
  const [credential] = accounts.credentials("antigravity");
  const token = await accounts.authorize(credential);
  logger.error(`upstream echoed ${token} and ${tokens.refresh_token}`);
  const last = lines.at(-1)!;
  assert(!last.includes(token) && !last.includes(tokens.refresh_token), last);
  await oauth.close();
});

Deno.test("OAuthAccounts.reload() adds new files, drops removed ones and brings a re-logged account back", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  await withDataDir(async (dataDir) => {
    const clock = new FakeClock(Date.now());
    const first = oauth.issue();
    const { path } = await saveCredential(dataDir, {
      provider: "gemini_cli",
      account: "a@example.com",
      project_id: "p",
      access_token: first.access_token,
      refresh_token: first.refresh_token,
      expiry_date: clock.now() - 1,
    });
    oauth.revokeAll();
    const accounts = new OAuthAccounts({ dataDir, clock, oauthBases: { gemini_cli: oauth.base } });
    await accounts.load();
    const [credential] = accounts.credentials();
    await assertRejects(() => accounts.authorize(credential), NeedsReloginError);
    // A new login writes the same account's file again.
    const second = oauth.issue();
    await saveCredential(dataDir, {
      provider: "gemini_cli",
      account: "a@example.com",
      project_id: "p",
      access_token: second.access_token,
      refresh_token: second.refresh_token,
      expiry_date: clock.now() + 60 * MINUTE,
    });
    await saveCredential(dataDir, {
      provider: "qwen_code",
      account: "q",
      access_token: "qwen-access-token-1",
      expiry_date: null,
    });
    const changes: string[] = [];
    accounts.subscribe((change) => changes.push(change.type));
    const { added, removed } = await accounts.reload();
    assertEquals([added.length, removed.length], [1, 0]);
    assertEquals(changes.sort(), ["added", "restored"]);
    assertEquals(accounts.needsRelogin(credential.id), null);
    assertEquals(await accounts.authorize(credential), second.access_token);
    await Deno.remove(path);
    const after = await accounts.reload();
    assertEquals(after.removed.map((gone) => gone.id), [credential.id]);
    assertEquals(accounts.credentials().map((left) => left.provider), ["qwen_code"]);
    await assertRejects(() => accounts.authorize(credential), NeedsReloginError);
    assertEquals(join(dataDir, "oauth_creds", "gemini_cli_oauth_1.json"), path);
  });
  await oauth.close();
});

Deno.test("OAuthAccounts finds the Code Assist project of an account imported without one, once", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const codeAssist = startFakeCodeAssist({
    isValidToken: (token) => oauth.validAccessTokens.has(token),
    account: {
      kind: "onboarded",
      tier: "standard-tier",
      project: { id: "team-project" },
      paidTier: "g1-pro-tier",
    },
  });
  await withDataDir(async (dataDir) => {
    const tokens = oauth.issue();
    await saveCredential(dataDir, {
      provider: "gemini_cli",
      account: "a@example.com",
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      expiry_date: Date.now() + 60 * MINUTE,
    });
    const accounts = new OAuthAccounts({
      dataDir,
      preparers: { gemini_cli: codeAssistPreparer("gemini_cli", { apiBase: codeAssist.base }) },
    });
    await accounts.load();
    const [credential] = accounts.credentials();
    await Promise.all([accounts.authorize(credential), accounts.authorize(credential)]);
    assertEquals(credential.metadata.projectId, "team-project");
    assertEquals(credential.metadata.tier, "g1-pro-tier");
    assertEquals(
      codeAssist.requests.filter((request) => request.path === "/v1internal:loadCodeAssist").length,
      1,
    );
    const [file] = await readCredentialFiles(dataDir);
    assertEquals(file.credential.project_id, "team-project");
  });
  await codeAssist.close();
  await oauth.close();
});

Deno.test("OAuthAccounts.checkAll() refreshes expired tokens at start and reports dead accounts", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const dead = oauth.issue();
  oauth.revokeAll();
  const expired = oauth.issue();
  const accounts = new OAuthAccounts({
    dataDir: null,
    env: {
      ANTIGRAVITY_1_REFRESH_TOKEN: dead.refresh_token,
      ANTIGRAVITY_1_EMAIL: "dead@example.com",
      ANTIGRAVITY_1_PROJECT_ID: "p",
      ANTIGRAVITY_2_ACCESS_TOKEN: expired.access_token,
      ANTIGRAVITY_2_REFRESH_TOKEN: expired.refresh_token,
      ANTIGRAVITY_2_EXPIRY_DATE: String(Date.now() - 1000),
      ANTIGRAVITY_2_EMAIL: "ok@example.com",
      ANTIGRAVITY_2_PROJECT_ID: "p",
    },
    oauthBases: { antigravity: oauth.base },
  });
  await accounts.load();
  await accounts.checkAll();
  const [first, second] = accounts.credentials();
  assertEquals(accounts.needsRelogin(first.id), "invalid_grant");
  assertEquals(accounts.needsRelogin(second.id), null);
  assert(second.metadata.expiresAtMs! > Date.now());
  await oauth.close();
});
