import assert from "node:assert/strict";
import { login } from "../../../lib/credentials/login.ts";
import { LoginError } from "../../../lib/credentials/callback_server.ts";
import { readCredentialFiles } from "../../../lib/credentials/file_store.ts";
import { pkceChallenge } from "../../../lib/credentials/pkce.ts";
import { startFakeOAuth } from "../../helpers/fake_oauth.ts";
import { startFakeCodeAssist } from "../../helpers/fake_oauth_code_assist.ts";

/** A browser that signs in at once: follows the authorize redirect to the loopback callback. */
async function followToCallback(url: string, rewrite?: (callback: URL) => void): Promise<Response> {
  const authorize = await fetch(url, { redirect: "manual" });
  await authorize.body?.cancel();
  assert.equal(authorize.status, 302, `authorize answered ${authorize.status}`);
  const callback = new URL(authorize.headers.get("location")!);
  assert.equal(callback.hostname, "localhost");
  callback.hostname = "127.0.0.1";
  rewrite?.(callback);
  const page = await fetch(callback);
  await page.text();
  return page;
}

/** A clock whose timers fire on the next turn while its time jumps ahead: no real waiting. */
function instantClock() {
  let nowMs = Date.now();
  const delays: number[] = [];
  return {
    delays,
    now: () => nowMs,
    setTimer(callback: () => void, delayMs: number) {
      delays.push(delayMs);
      return setTimeout(() => {
        nowMs += delayMs;
        callback();
      }, 0);
    },
    clearTimer: (handle: unknown) => clearTimeout(handle as number),
  };
}

/** A clock whose timers never fire unless called: for logins that must not time out. */
const stillClock = {
  now: () => Date.now(),
  setTimer: () => 0,
  clearTimer: () => {},
};

async function withDataDir(run: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await Deno.makeTempDir();
  try {
    await run(dataDir);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("login(openai_codex) runs auth code + PKCE through the callback and writes a 0600 file", async () => {
  const oauth = startFakeOAuth({ vendor: "openai", email: "dev@example.com", accountId: "ws-9" });
  await withDataDir(async (dataDir) => {
    const lines: string[] = [];
    const result = await login("openai_codex", {
      dataDir,
      port: 0,
      oauthBase: oauth.base,
      clock: stillClock,
      print: (line) => lines.push(line),
      openBrowser: async (url) => void await followToCallback(url),
    });
    assert.equal(result.account, "dev@example.com (ws-9)");
    assert.equal(result.tier, "plus");
    const authorize = oauth.requests.find((request) => request.path === "/oauth/authorize")!;
    const query = authorize.query;
    assert.equal(query.get("client_id"), "app_EMoamEEZ73f0CkXaXp7hrann");
    assert.match(query.get("redirect_uri")!, /^http:\/\/localhost:\d+\/auth\/callback$/);
    assert.equal(query.get("scope"), "openid profile email offline_access");
    assert.equal(query.get("code_challenge_method"), "S256");
    assert.equal(query.get("codex_cli_simplified_flow"), "true");
    assert.equal(query.get("id_token_add_organizations"), "true");
    const exchange = oauth.requests.find((request) => request.fields.grant_type === "authorization_code")!;
    assert.equal(pkceChallenge(exchange.fields.code_verifier), query.get("code_challenge"));
    assert.equal(exchange.fields.redirect_uri, query.get("redirect_uri"));
    const [file] = await readCredentialFiles(dataDir);
    assert.equal(file.path, result.path);
    assert.equal(file.credential.account_id, "ws-9");
    assert.equal((await Deno.stat(file.path)).mode! & 0o777, 0o600);
    assert.ok(lines.some((line) => line.includes("Signed in to openai_codex as dev@example.com")));
    assert.ok(!lines.join("\n").includes(file.credential.access_token), "tokens are never printed");
  });
  await oauth.close();
});

Deno.test("login() refuses a callback with a wrong state and still accepts the real one", async () => {
  const oauth = startFakeOAuth({ vendor: "openai" });
  await withDataDir(async (dataDir) => {
    let forgedStatus = 0;
    await login("openai_codex", {
      dataDir,
      port: 0,
      oauthBase: oauth.base,
      clock: stillClock,
      print: () => {},
      openBrowser: async (url) => {
        const forged = await followToCallback(
          url,
          (callback) => callback.searchParams.set("state", "forged"),
        );
        forgedStatus = forged.status;
        await followToCallback(url);
      },
    });
    assert.equal(forgedStatus, 400);
    assert.equal((await readCredentialFiles(dataDir)).length, 1);
  });
  await oauth.close();
});

Deno.test("login() gives up after LOGIN_TIMEOUT and frees the callback port", async () => {
  const oauth = startFakeOAuth({ vendor: "openai" });
  await withDataDir(async (dataDir) => {
    let callbackUrl = "";
    await assert.rejects(
      () =>
        login("openai_codex", {
          dataDir,
          port: 0,
          noBrowser: true,
          oauthBase: oauth.base,
          timeoutMs: 300_000,
          clock: instantClock(),
          print: (line) => {
            const match = /redirect_uri=([^&\s]+)/.exec(line);
            if (match) callbackUrl = decodeURIComponent(match[1]).replace("localhost", "127.0.0.1");
          },
        }),
      (error) => error instanceof LoginError && /timed out/.test(error.message),
    );
    await assert.rejects(() => fetch(callbackUrl), TypeError, "the one-shot server is closed");
    assert.equal((await readCredentialFiles(dataDir)).length, 0);
  });
  await oauth.close();
});

Deno.test("login(--no-browser) accepts the pasted redirect URL instead of the callback", async () => {
  const oauth = startFakeOAuth({ vendor: "openai" });
  await withDataDir(async (dataDir) => {
    let authorizeUrl = "";
    const result = await login("openai_codex", {
      dataDir,
      port: 0,
      noBrowser: true,
      oauthBase: oauth.base,
      clock: stillClock,
      print: (line) => {
        const match = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\S+)/.exec(line);
        if (match) authorizeUrl = match[1];
      },
      // The user's browser (elsewhere) lands on a localhost page that does not load; they paste its URL.
      readPastedUrl: async () => {
        while (!authorizeUrl) await new Promise((resolve) => setTimeout(resolve, 1));
        const authorize = await fetch(authorizeUrl, { redirect: "manual" });
        await authorize.body?.cancel();
        return `  ${authorize.headers.get("location")}\n`;
      },
    });
    assert.equal(result.provider, "openai_codex");
  });
  await oauth.close();
});

Deno.test("login(gemini_cli) reads the e-mail, onboards a new free account and polls the operation", async () => {
  const oauth = startFakeOAuth({ vendor: "google", email: "g@example.com" });
  const codeAssist = startFakeCodeAssist({
    isValidToken: (token) => oauth.validAccessTokens.has(token),
    account: { kind: "new", defaultTier: "free-tier", project: "managed-project-7", pollsUntilDone: 2 },
  });
  await withDataDir(async (dataDir) => {
    const clock = instantClock();
    const result = await login("gemini_cli", {
      dataDir,
      port: 0,
      oauthBase: oauth.base,
      apiBase: codeAssist.base,
      clock,
      print: () => {},
      openBrowser: async (url) => void await followToCallback(url),
    });
    assert.deepEqual([result.email, result.tier, result.projectId], [
      "g@example.com",
      "free-tier",
      "managed-project-7",
    ]);
    const authorize = oauth.requests.find((request) => request.path === "/o/oauth2/v2/auth")!;
    assert.equal(authorize.query.get("access_type"), "offline");
    assert.match(authorize.query.get("redirect_uri")!, /^http:\/\/localhost:\d+\/oauth2callback$/);
    const exchange = oauth.requests.find((request) => request.fields.grant_type === "authorization_code")!;
    assert.equal(exchange.fields.client_secret, "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");
    const onboard = codeAssist.requests.find((request) => request.path === "/v1internal:onboardUser")!;
    assert.equal(onboard.json!.tierId, "free-tier");
    assert.equal(onboard.json!.cloudaicompanionProject, undefined, "free tier: Google manages the project");
    assert.equal(
      codeAssist.requests.filter((request) => request.path.startsWith("/v1internal/operations/")).length,
      2,
    );
    const [file] = await readCredentialFiles(dataDir);
    assert.equal(file.credential.project_id, "managed-project-7");
  });
  await codeAssist.close();
  await oauth.close();
});

Deno.test("login(gemini_cli) refuses an UNSUPPORTED_CLIENT account with Google's reason and writes nothing", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const codeAssist = startFakeCodeAssist({
    isValidToken: (token) => oauth.validAccessTokens.has(token),
    account: { kind: "ineligible" },
  });
  await withDataDir(async (dataDir) => {
    await assert.rejects(
      () =>
        login("gemini_cli", {
          dataDir,
          port: 0,
          oauthBase: oauth.base,
          apiBase: codeAssist.base,
          clock: stillClock,
          print: () => {},
          openBrowser: async (url) => void await followToCallback(url),
        }),
      /UNSUPPORTED_CLIENT: This client is no longer supported for Gemini Code Assist for individuals/,
    );
    assert.equal((await readCredentialFiles(dataDir)).length, 0);
  });
  await codeAssist.close();
  await oauth.close();
});

for (const slowDownStatus of [429, 400]) {
  Deno.test(`login(qwen_code) polls the device code through authorization_pending and slow_down on ${slowDownStatus}`, async () => {
    const oauth = startFakeOAuth({ vendor: "qwen", pendingPolls: 2, slowDownPolls: 1, slowDownStatus });
    await withDataDir(async (dataDir) => {
      const clock = instantClock();
      const lines: string[] = [];
      const result = await login("qwen_code", {
        dataDir,
        noBrowser: true,
        oauthBase: oauth.base,
        clock,
        print: (line) => lines.push(line),
      });
      assert.match(
        lines[0],
        /Open https:\/\/chat\.qwen\.ai\/authorize\?user_code=ABCD-1234.*\nand confirm the code ABCD-1234/s,
      );
      // 2 s by default (qwen-code), ×1.5 after slow_down.
      assert.deepEqual(clock.delays, [2000, 2000, 2000, 3000]);
      const device = oauth.requests.find((request) => request.path === "/api/v1/oauth2/device/code")!;
      assert.equal(device.fields.scope, "openid profile email model.completion");
      const [file] = await readCredentialFiles(dataDir);
      assert.equal(file.path, result.path);
      assert.equal(file.credential.resource_url, "portal.qwen.ai");
      assert.equal((await Deno.stat(file.path)).mode! & 0o777, 0o600);
    });
    await oauth.close();
  });
}

Deno.test("login(qwen_code) gives up when the device code expires", async () => {
  const oauth = startFakeOAuth({ vendor: "qwen", neverApprove: true, deviceExpiresIn: 9, interval: 2 });
  await withDataDir(async (dataDir) => {
    const clock = instantClock();
    await assert.rejects(
      () => login("qwen_code", { dataDir, noBrowser: true, oauthBase: oauth.base, clock, print: () => {} }),
      /not approved within 9 s/,
    );
    assert.deepEqual(clock.delays, [2000, 2000, 2000, 2000]);
  });
  await oauth.close();
});

Deno.test("login() runs one login at a time", async () => {
  const oauth = startFakeOAuth({ vendor: "openai" });
  await withDataDir(async (dataDir) => {
    const controller = new AbortController();
    const first = login("openai_codex", {
      dataDir,
      port: 0,
      noBrowser: true,
      oauthBase: oauth.base,
      clock: stillClock,
      print: () => {},
      signal: controller.signal,
    });
    await assert.rejects(
      () => login("qwen_code", { dataDir, oauthBase: oauth.base, print: () => {} }),
      /another login is running/,
    );
    controller.abort();
    await assert.rejects(first, /cancelled/);
  });
  await oauth.close();
});
