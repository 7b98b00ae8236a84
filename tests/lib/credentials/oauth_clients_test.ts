import assert from "node:assert/strict";
import { authorizeUrl } from "../../../lib/credentials/auth_code_login.ts";
import {
  GEMINI_CLI_CLIENT,
  OPENAI_CODEX_CLIENT,
  QWEN_CODE_CLIENT,
  redirectVendorUrl,
} from "../../../lib/credentials/oauth_clients.ts";
import { OAuthTokenError, refreshWithToken } from "../../../lib/credentials/token_endpoint.ts";

Deno.test("redirectVendorUrl() replaces scheme, host and port, adds the base's path, keeps the vendor's path", () => {
  assert.equal(
    redirectVendorUrl(OPENAI_CODEX_CLIENT.tokenUrl, "http://127.0.0.1:9000/openai"),
    "http://127.0.0.1:9000/openai/oauth/token",
  );
  assert.equal(
    redirectVendorUrl("https://www.googleapis.com/oauth2/v1/userinfo?alt=json", "http://127.0.0.1:9001/"),
    "http://127.0.0.1:9001/oauth2/v1/userinfo?alt=json",
  );
  assert.equal(
    redirectVendorUrl(OPENAI_CODEX_CLIENT.tokenUrl, undefined),
    "https://auth.openai.com/oauth/token",
  );
});

Deno.test("authorizeUrl(openai_codex) sends the Codex CLI's parameters in its order, state before originator", () => {
  const url = new URL(
    authorizeUrl(OPENAI_CODEX_CLIENT, {
      redirectUri: "http://localhost:1455/auth/callback",
      challenge: "challenge-1",
      state: "state-1",
    }),
  );
  assert.deepEqual([...url.searchParams.keys()], [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "id_token_add_organizations",
    "codex_cli_simplified_flow",
    "state",
    "originator",
  ]);
  assert.equal(url.searchParams.get("state"), "state-1");
  assert.equal(url.searchParams.get("originator"), "codex_cli_rs");
  // Spaces as %20, each value encoded on its own (openai/codex `server.rs`).
  assert.match(url.search, /scope=openid%20profile%20email%20offline_access&/);
  const google = new URL(
    authorizeUrl(GEMINI_CLI_CLIENT, {
      redirectUri: "http://localhost:8085/oauth2callback",
      challenge: "c",
      state: "s",
    }),
  );
  assert.equal([...google.searchParams.keys()].at(-1), "state");
  assert.equal(google.searchParams.get("access_type"), "offline");
});

Deno.test("refreshWithToken(): a Codex refusal is permanent on 401 or a dead-token code only; Google's and Qwen's on 400 too", async () => {
  const answer = (status: number, body: unknown) => () =>
    Promise.resolve(new Response(JSON.stringify(body), { status }));
  const refused = async (client: typeof OPENAI_CODEX_CLIENT, status: number, body: unknown) => {
    const error = await refreshWithToken(client, "r", { fetch: answer(status, body) }).catch((error) =>
      error
    );
    assert.ok(error instanceof OAuthTokenError);
    return error.permanent;
  };
  assert.equal(await refused(OPENAI_CODEX_CLIENT, 401, { error: { message: "Unauthorized" } }), true);
  assert.equal(await refused(OPENAI_CODEX_CLIENT, 400, { error: { code: "refresh_token_reused" } }), true);
  assert.equal(
    await refused(OPENAI_CODEX_CLIENT, 400, { error: { message: "temporarily unavailable" } }),
    false,
  );
  assert.equal(await refused(OPENAI_CODEX_CLIENT, 429, { error: "slow down" }), false);
  assert.equal(await refused(GEMINI_CLI_CLIENT, 400, { error: "invalid_grant" }), true);
  assert.equal(await refused(QWEN_CODE_CLIENT, 400, { error: "invalid_request" }), true);
  assert.equal(await refused(QWEN_CODE_CLIENT, 500, { error: "server_error" }), false);
});
