/**
 * The Responses door in front of OpenAI Codex accounts (what Codex CLI speaks): same format both ways,
 * with the backend's requirements added on the way out.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeOAuth } from "../helpers/fake_oauth.ts";
import { startFakeCodex } from "../helpers/fake_oauth_codex.ts";
import { startProxy } from "../helpers/proxy_process.ts";

Deno.test({
  name: "e2e the Responses door reaches OpenAI Codex: stream relayed, JSON collected, refused fields dropped",
  async fn() {
    const oauth = startFakeOAuth({ vendor: "openai", accountId: "acc-123" });
    const codex = startFakeCodex({ isValidToken: (token) => oauth.validAccessTokens.has(token) });
    const tokens = oauth.issue();
    const denoDir = Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
    const proxy = await startProxy({
      env: {
        HOME: await Deno.makeTempDir({ prefix: "oauth-home-" }),
        DENO_DIR: denoDir,
        OPENAI_CODEX_OAUTH_BASE: oauth.base,
        OPENAI_CODEX_API_BASE: codex.base,
        OPENAI_CODEX_ACCESS_TOKEN: tokens.access_token,
        OPENAI_CODEX_REFRESH_TOKEN: tokens.refresh_token,
        OPENAI_CODEX_ID_TOKEN: tokens.id_token!,
        SKIP_OAUTH_INIT_CHECK: "true",
      },
    });
    const headers = { authorization: `Bearer ${proxy.apiKey}`, "content-type": "application/json" };
    try {
      const body = {
        model: "openai_codex/gpt-5.5",
        input: [{ type: "message", role: "system", content: [{ type: "input_text", text: "Be brief." }] }, {
          type: "message",
          role: "user",
          content: [{ type: "input_text", text: "Hi" }],
        }],
        temperature: 0.2,
        max_output_tokens: 50,
      };
      const streamed = await fetch(`${proxy.url}/v1/responses`, {
        method: "POST",
        headers,
        body: JSON.stringify({ ...body, stream: true }),
      });
      assert.equal(streamed.status, 200);
      const events = await streamed.text();
      assert.match(
        events,
        /event: response\.output_text\.delta[\s\S]*Hello from Codex[\s\S]*response\.completed/,
      );
      const json = await fetch(`${proxy.url}/v1/responses`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      });
      assert.equal(json.status, 200, await json.clone().text());
      const answer = await json.json();
      assert.equal(answer.object, "response");
      assert.match(JSON.stringify(answer.output), /Hello from Codex/);
      const sent = codex.requests.filter((request) => request.path === "/backend-api/codex/responses");
      assert.equal(sent.length, 2);
      for (const request of sent) {
        assert.equal(request.json!.stream, true);
        assert.equal(request.json!.store, false);
        assert.equal(request.json!.temperature, undefined);
        assert.equal((request.json!.input as Array<{ role?: string }>)[0].role, "developer");
      }
    } finally {
      await proxy.stop();
      await codex.close();
      await oauth.close();
    }
  },
});
