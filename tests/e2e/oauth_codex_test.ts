/**
 * OpenAI Codex accounts through the real proxy: a fake ChatGPT authorization server and a strict fake
 * Codex backend on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startFakeOAuth } from "../helpers/fake_oauth.ts";
import { startFakeCodex } from "../helpers/fake_oauth_codex.ts";
import { startProxy } from "../helpers/proxy_process.ts";

async function isolatedHome(): Promise<Record<string, string>> {
  const denoDir = Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
  return { HOME: await Deno.makeTempDir({ prefix: "oauth-home-" }), DENO_DIR: denoDir };
}

Deno.test({
  name:
    "e2e openai_codex: a usage-limited account rests until its reset, the next serves, JSON clients get a collected stream",
  async fn() {
    const oauth = startFakeOAuth({ vendor: "openai", accountId: "acc-123" });
    const codex = startFakeCodex({
      isValidToken: (token) => oauth.validAccessTokens.has(token),
      usageLimited: 1,
    });
    const first = oauth.issue();
    const second = oauth.issue();
    const proxy = await startProxy({
      env: {
        ...await isolatedHome(),
        OPENAI_CODEX_OAUTH_BASE: oauth.base,
        OPENAI_CODEX_API_BASE: codex.base,
        OPENAI_CODEX_1_ACCESS_TOKEN: first.access_token,
        OPENAI_CODEX_1_REFRESH_TOKEN: first.refresh_token,
        OPENAI_CODEX_1_ID_TOKEN: first.id_token!,
        OPENAI_CODEX_1_EMAIL: "first@example.com",
        OPENAI_CODEX_2_ACCESS_TOKEN: second.access_token,
        OPENAI_CODEX_2_REFRESH_TOKEN: second.refresh_token,
        OPENAI_CODEX_2_ID_TOKEN: second.id_token!,
        OPENAI_CODEX_2_EMAIL: "second@example.com",
        SKIP_OAUTH_INIT_CHECK: "true",
      },
    });
    try {
      const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.apiKey, maxRetries: 0 });
      const answer = await openai.chat.completions.create({
        model: "openai_codex/gpt-5.5",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
        temperature: 0.3,
        max_tokens: 100,
      });
      assert.equal(answer.choices[0].message.content, "Hello from Codex");
      const calls = codex.requests.filter((request) => request.path === "/backend-api/codex/responses");
      assert.equal(calls.length, 2, "the limited account, then the next");
      assert.notEqual(calls[0].headers.get("authorization"), calls[1].headers.get("authorization"));
      for (const call of calls) {
        assert.equal(call.json!.stream, true);
        assert.equal(call.json!.store, false);
        assert.equal(call.headers.get("chatgpt-account-id"), "acc-123");
      }
      const stats = await (await fetch(`${proxy.url}/v1/quota-stats?provider=openai_codex`, {
        headers: { authorization: `Bearer ${proxy.apiKey}` },
      })).json();
      assert.equal(stats.providers.openai_codex.mode, "sequential");
      // The limited account rests until the reset the backend named (an hour), not on the short ladder.
      assert.match(
        JSON.stringify(stats),
        /"state":"cooling","reason":"quota_exhausted","seconds_left":3[56]\d\d/,
      );

      const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: proxy.apiKey, maxRetries: 0 });
      const message = await anthropic.messages.stream({
        model: "openai_codex/gpt-5.5",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
      }).finalMessage();
      assert.deepEqual(message.content.map((block) => block.type === "text" ? block.text : block.type), [
        "Hello from Codex",
      ]);
    } finally {
      await proxy.stop();
      await codex.close();
      await oauth.close();
    }
  },
});
