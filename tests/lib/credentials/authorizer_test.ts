import assert from "node:assert/strict";
import { oauthAuthorizer } from "../../../lib/credentials/authorizer.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { OAuthAccounts } from "../../../lib/credentials/oauth_accounts.ts";
import { UpstreamError } from "../../../lib/errors.ts";
import { classifyFailure } from "../../../lib/rotator/failure.ts";
import { startFakeOAuth } from "../../helpers/fake_oauth.ts";

Deno.test("oauthAuthorizer(): keys are their own token; a dead account is an auth failure of that credential", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const tokens = oauth.issue();
  oauth.revokeAll();
  const accounts = new OAuthAccounts({
    dataDir: null,
    env: { GEMINI_CLI_REFRESH_TOKEN: tokens.refresh_token, GEMINI_CLI_PROJECT_ID: "p" },
    oauthBases: { gemini_cli: oauth.base },
  });
  await accounts.load();
  const authorize = oauthAuthorizer(accounts);
  assert.equal(await authorize(apiKeyCredential("sk-plain-key-1234"), {}), "sk-plain-key-1234");
  const [credential] = accounts.credentials();
  const error = await authorize(credential, {}).catch((caught) => caught);
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.status, 401);
  assert.equal(classifyFailure(error, Date.now()).failureClass, "auth");
  assert.match(error.message, /needs a new login \(invalid_grant\)/);
  await oauth.close();
});

Deno.test("oauthAuthorizer(): an unreachable token endpoint is a connection failure, not a dead account", async () => {
  const accounts = new OAuthAccounts({
    dataDir: null,
    env: { QWEN_CODE_REFRESH_TOKEN: "qwen-refresh-token-x" },
    // Nothing listens there.
    oauthBases: { qwen_code: "http://127.0.0.1:9" },
  });
  await accounts.load();
  const [credential] = accounts.credentials();
  const error = await oauthAuthorizer(accounts)(credential, {}).catch((caught) => caught);
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.kind, "connection");
  assert.equal(accounts.needsRelogin(credential.id), null);
});
