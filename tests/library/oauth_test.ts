/**
 * `RotatingClient`'s `oauth` option against fake OAuth token servers and fake upstreams on 127.0.0.1: inline
 * accounts (tokens kept in memory) and a folder of credential files (refreshed tokens written back), through
 * the server's own accounts, refresh and pools.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RotatingClient, RotatingClientError } from "../../mod.ts";
import { fakeJwt, startFakeOAuth } from "../helpers/fake_oauth.ts";
import { startFakeCodeAssist } from "../helpers/fake_oauth_code_assist.ts";
import { startFakeCodex } from "../helpers/fake_oauth_codex.ts";

const hello = { messages: [{ role: "user", content: "Hi" }] };
const bearerOf = (headers: Headers) => headers.get("authorization")?.replace(/^Bearer /, "");

Deno.test("RotatingClient({ oauth }): a call with an expiring inline token refreshes first, once, and keeps it in memory", async () => {
  const oauth = startFakeOAuth({ vendor: "google", email: "dev@example.com" });
  const codeAssist = startFakeCodeAssist({ isValidToken: (token) => oauth.validAccessTokens.has(token) });
  const old = oauth.issue();
  const client = new RotatingClient({
    oauth: {
      gemini_cli: [{
        accessToken: old.access_token,
        refreshToken: old.refresh_token,
        // Within the 5 minutes before expiry: the call refreshes before it is sent.
        expiryDate: Date.now() + 60_000,
        projectId: "proj-lib",
        email: "dev@example.com",
      }],
    },
    apiBases: { gemini_cli: codeAssist.base },
    // No start-up check: the call itself must refresh.
    settings: { GEMINI_CLI_OAUTH_BASE: oauth.base, SKIP_OAUTH_INIT_CHECK: "true" },
  });
  try {
    const completion = await client.chat({ model: "gemini_cli/gemini-2.5-flash", ...hello });
    assert.equal(completion.object, "chat.completion");
    assert.equal(oauth.refreshCount(), 1);
    const refresh = oauth.requests.find((request) => request.fields.grant_type === "refresh_token")!;
    assert.equal(refresh.fields.refresh_token, old.refresh_token);
    const calls = codeAssist.requests.filter((request) => request.path.includes("generateContent"));
    assert.equal(calls.length, 1);
    const used = bearerOf(calls[0].headers);
    assert.notEqual(used, old.access_token, "the refreshed token, not the expiring one");
    assert.ok(oauth.validAccessTokens.has(used!));
    assert.equal(calls[0].json?.project, "proj-lib");
    // The new token is fresh for an hour: the next call refreshes nothing.
    await client.chat({ model: "gemini_cli/gemini-2.5-flash", ...hello });
    assert.equal(oauth.refreshCount(), 1);
    const report = await client.usage({ provider: "gemini_cli" });
    assert.ok(!JSON.stringify(report).includes(used!), "tokens never reach the usage report");
  } finally {
    await client.close();
    await codeAssist.close();
    await oauth.close();
  }
});

Deno.test("RotatingClient({ oauth: folder }): a Codex account's rotated refresh token is written back to its file", async () => {
  const oauth = startFakeOAuth({ vendor: "openai", email: "dev@example.com", accountId: "ws-7" });
  const codex = startFakeCodex({
    isValidToken: (token) => oauth.validAccessTokens.has(token),
    accountId: "ws-7",
  });
  const folder = await Deno.makeTempDir({ prefix: "library-oauth-" });
  const issued = oauth.issue();
  const file = join(folder, "openai_codex_oauth_1.json");
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      provider: "openai_codex",
      account: "dev@example.com (ws-7)",
      access_token: issued.access_token,
      refresh_token: issued.refresh_token,
      id_token: issued.id_token,
      email: "dev@example.com",
      account_id: "ws-7",
      expiry_date: Date.now() + 30_000,
    }),
    { mode: 0o600 },
  );
  const client = new RotatingClient({
    oauth: folder,
    apiBases: { openai_codex: codex.base },
    settings: { OPENAI_CODEX_OAUTH_BASE: oauth.base, SKIP_OAUTH_INIT_CHECK: "true" },
  });
  try {
    const completion = await client.chat({ model: "openai_codex/gpt-5.4", ...hello });
    assert.equal(completion.object, "chat.completion");
    assert.equal(oauth.refreshCount(), 1);
    const stored = JSON.parse(await Deno.readTextFile(file));
    assert.notEqual(stored.refresh_token, issued.refresh_token, "Codex refresh tokens are single-use");
    assert.equal(bearerOf(codex.requests.at(-1)!.headers), stored.access_token);
    assert.ok(stored.expiry_date > Date.now() + 3_000_000);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
  } finally {
    await client.close();
    await codex.close();
    await oauth.close();
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("RotatingClient({ oauth }) names a bad account option in an invalid_option error", () => {
  const refused = (oauth: unknown, param: string) => {
    assert.throws(
      () => new RotatingClient({ oauth: oauth as Record<string, []> }),
      (error: unknown) =>
        error instanceof RotatingClientError && error.code === "invalid_option" && error.param === param,
    );
  };
  refused({ groq: [{ accessToken: "t" }] }, "oauth.groq");
  refused({ gemini_cli: {} }, "oauth.gemini_cli");
  refused({ gemini_cli: [{}] }, "oauth.gemini_cli[0]");
  refused({ gemini_cli: [{ refreshToken: "r", expiryDate: "soon" }] }, "oauth.gemini_cli[0].expiryDate");
  refused({ gemini_cli: [{ refreshToken: "r", password: "x" }] }, "oauth.gemini_cli[0].password");
  // An id token alone names the account; unused here, but a valid option.
  assert.doesNotThrow(() =>
    new RotatingClient({
      oauth: { openai_codex: [{ refreshToken: "r", idToken: fakeJwt({ email: "a@b.c" }) }] },
    }).close()
  );
});
