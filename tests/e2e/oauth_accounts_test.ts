/**
 * OAuth accounts through the real proxy process: a fake Google authorization server and a fake Code
 * Assist backend (both on 127.0.0.1, written from the vendor facts), the official SDKs as clients.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { saveCredential } from "../../lib/credentials/file_store.ts";
import { startFakeOAuth } from "../helpers/fake_oauth.ts";
import { googleJson, startFakeCodeAssist } from "../helpers/fake_oauth_code_assist.ts";
import { chatCompletion, jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy } from "../helpers/proxy_process.ts";

const MINUTE = 60_000;

/** A home folder without vendor CLI files (the real one must never be imported), and Deno's own cache. */
async function isolatedHome(): Promise<Record<string, string>> {
  const denoDir = Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
  return { HOME: await Deno.makeTempDir({ prefix: "oauth-home-" }), DENO_DIR: denoDir };
}

async function quotaStats(url: string, apiKey: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/v1/quota-stats`, { headers: { authorization: `Bearer ${apiKey}` } });
  return await response.json();
}

Deno.test("e2e gemini_cli env accounts: one refresh under 20 concurrent calls, the envelope, both SDKs", async () => {
  const oauth = startFakeOAuth({ vendor: "google", refreshDelayMs: 30 });
  const codeAssist = startFakeCodeAssist({ isValidToken: (token) => oauth.validAccessTokens.has(token) });
  const tokens = oauth.issue();
  const proxy = await startProxy({
    env: {
      ...await isolatedHome(),
      GEMINI_CLI_OAUTH_BASE: oauth.base,
      GEMINI_CLI_API_BASE: codeAssist.base,
      GEMINI_CLI_1_ACCESS_TOKEN: tokens.access_token,
      GEMINI_CLI_1_REFRESH_TOKEN: tokens.refresh_token,
      // Expires in 2 minutes: within the 5-minute lead, so the first calls refresh it.
      GEMINI_CLI_1_EXPIRY_DATE: String(Date.now() + 2 * MINUTE),
      GEMINI_CLI_1_EMAIL: "dev@example.com",
      GEMINI_CLI_1_PROJECT_ID: "team-project",
      SKIP_OAUTH_INIT_CHECK: "true",
      MAX_CONCURRENT_REQUESTS_PER_KEY_GEMINI_CLI: "20",
    },
  });
  try {
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.apiKey, maxRetries: 0 });
    const answers = await Promise.all(Array.from({ length: 20 }, () =>
      openai.chat.completions.create({
        model: "gemini_cli/gemini-2.5-pro",
        messages: [{ role: "user", content: "Hi" }],
      })));
    assert.ok(answers.every((answer) => answer.choices[0].message.content === "Hello"));
    assert.equal(oauth.refreshCount(), 1);
    const generate = codeAssist.requests.filter((request) => request.path === "/v1internal:generateContent");
    assert.equal(generate.length, 20);
    assert.equal(generate[0].json!.project, "team-project");
    assert.equal(generate[0].json!.model, "gemini-2.5-pro");
    assert.notEqual(generate[0].headers.get("authorization"), `Bearer ${tokens.access_token}`);

    const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: proxy.apiKey, maxRetries: 0 });
    const stream = anthropic.messages.stream({
      model: "gemini_cli/gemini-2.5-pro",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    codeAssist.setAnswers([() =>
      new Response(
        `data: ${
          JSON.stringify({
            response: {
              candidates: [{
                content: { role: "model", parts: [{ text: "Streamed" }] },
                finishReason: "STOP",
              }],
            },
          })
        }\r\n\r\n`,
        { headers: { "content-type": "text/event-stream" } },
      )]);
    const message = await stream.finalMessage();
    assert.deepEqual(message.content.map((block) => block.type === "text" ? block.text : block.type), [
      "Streamed",
    ]);
    assert.ok(!proxy.output().includes(tokens.refresh_token), "tokens never reach the log");
  } finally {
    await proxy.stop();
    await codeAssist.close();
    await oauth.close();
  }
});

Deno.test("e2e needs_relogin: a revoked account is skipped and shown, the other account serves", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const codeAssist = startFakeCodeAssist({ isValidToken: (token) => oauth.validAccessTokens.has(token) });
  const dead = oauth.issue();
  oauth.revokeAll();
  const alive = oauth.issue();
  const proxy = await startProxy({
    env: {
      ...await isolatedHome(),
      ANTIGRAVITY_OAUTH_BASE: oauth.base,
      ANTIGRAVITY_API_BASE: codeAssist.base,
      ANTIGRAVITY_1_REFRESH_TOKEN: dead.refresh_token,
      ANTIGRAVITY_1_EMAIL: "dead@example.com",
      ANTIGRAVITY_1_PROJECT_ID: "p",
      ANTIGRAVITY_2_ACCESS_TOKEN: alive.access_token,
      ANTIGRAVITY_2_REFRESH_TOKEN: alive.refresh_token,
      ANTIGRAVITY_2_EXPIRY_DATE: String(Date.now() + 60 * MINUTE),
      ANTIGRAVITY_2_EMAIL: "alive@example.com",
      ANTIGRAVITY_2_PROJECT_ID: "p",
    },
  });
  try {
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.apiKey, maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const answer = await openai.chat.completions.create({
        model: "antigravity/gemini-3-flash",
        messages: [{ role: "user", content: "Hi" }],
      });
      assert.equal(answer.choices[0].message.content, "Hello");
    }
    // Every call went out with the live account's token.
    const generate = codeAssist.requests.filter((request) => request.path === "/v1internal:generateContent");
    assert.ok(
      generate.every((request) => request.headers.get("authorization") === `Bearer ${alive.access_token}`),
    );
    const refreshes = oauth.requests.filter((request) => request.fields.refresh_token === dead.refresh_token);
    assert.equal(refreshes.length, 1, "a dead refresh token is tried once, never in a loop");
    const stats = await quotaStats(proxy.url, proxy.apiKey) as {
      providers: { antigravity: { credentials: Array<{ key: string; state: string }> } };
    };
    const states = Object.fromEntries(
      stats.providers.antigravity.credentials.map((entry) => [entry.key, entry.state]),
    );
    assert.deepEqual(states, { "dead@example.com": "needs_relogin", "alive@example.com": "available" });
    assert.match(proxy.output(), /dead@example\.com needs a new login \(invalid_grant\)/);
  } finally {
    await proxy.stop();
    await codeAssist.close();
    await oauth.close();
  }
});

Deno.test("e2e a 401 mid-life refreshes once and retries the same call on the same account", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const codeAssist = startFakeCodeAssist({ isValidToken: (token) => oauth.validAccessTokens.has(token) });
  const tokens = oauth.issue();
  const proxy = await startProxy({
    env: {
      ...await isolatedHome(),
      GEMINI_CLI_OAUTH_BASE: oauth.base,
      GEMINI_CLI_API_BASE: codeAssist.base,
      GEMINI_CLI_ACCESS_TOKEN: tokens.access_token,
      GEMINI_CLI_REFRESH_TOKEN: tokens.refresh_token,
      GEMINI_CLI_EXPIRY_DATE: String(Date.now() + 60 * MINUTE),
      GEMINI_CLI_PROJECT_ID: "p",
      SKIP_OAUTH_INIT_CHECK: "true",
    },
  });
  try {
    // Google revoked the access token early (a password change): 401 on the token that looks valid.
    codeAssist.setAnswers([
      () =>
        googleJson({
          error: {
            code: 401,
            message: "Request had invalid authentication credentials.",
            status: "UNAUTHENTICATED",
          },
        }, 401),
      () =>
        googleJson({
          response: {
            candidates: [{
              content: { role: "model", parts: [{ text: "After refresh" }] },
              finishReason: "STOP",
            }],
          },
        }),
    ]);
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.apiKey, maxRetries: 0 });
    const answer = await openai.chat.completions.create({
      model: "gemini_cli/gemini-2.5-flash",
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.equal(answer.choices[0].message.content, "After refresh");
    assert.equal(oauth.refreshCount(), 1);
    const sent = codeAssist.requests.filter((request) => request.path === "/v1internal:generateContent")
      .map((request) => request.headers.get("authorization"));
    assert.equal(sent.length, 2);
    assert.equal(sent[0], `Bearer ${tokens.access_token}`);
    assert.notEqual(sent[1], sent[0]);
  } finally {
    await proxy.stop();
    await codeAssist.close();
    await oauth.close();
  }
});

Deno.test("e2e a credential file written while the proxy runs joins the pool; removed, it leaves", async () => {
  const upstream = startFakeUpstream((request) => {
    if (request.headers.get("authorization") !== "Bearer qwen-access-token-1") {
      return jsonResponse({ error: { message: "invalid access token or token expired" } }, 401);
    }
    return jsonResponse(chatCompletion("coder-model", "<think>Checking.</think>Done."));
  });
  const proxy = await startProxy({ env: { ...await isolatedHome(), QWEN_CODE_API_BASE: upstream.baseUrl } });
  const headers = { authorization: `Bearer ${proxy.apiKey}` };
  try {
    const { path } = await saveCredential(proxy.dataDir, {
      provider: "qwen_code",
      account: "qwen-account",
      access_token: "qwen-access-token-1",
      refresh_token: "qwen-refresh-token-1",
      expiry_date: Date.now() + 60 * MINUTE,
      resource_url: "portal.qwen.ai",
    });
    // The folder is watched; the reload endpoint makes it deterministic.
    const reload = await fetch(`${proxy.url}/v1/admin/reload`, { method: "POST", headers });
    assert.equal(reload.status, 200);
    await reload.body?.cancel();
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.apiKey, maxRetries: 0 });
    const answer = await openai.chat.completions.create({
      model: "qwen_code/coder-model",
      messages: [{ role: "user", content: "Go" }],
    });
    assert.equal(answer.choices[0].message.content, "Done.");
    assert.equal(
      (answer.choices[0].message as unknown as { reasoning_content?: string }).reasoning_content,
      "Checking.",
    );
    await Deno.remove(path);
    const removed = await (await fetch(`${proxy.url}/v1/admin/reload`, { method: "POST", headers })).json();
    const providers = await (await fetch(`${proxy.url}/v1/providers`, { headers })).json();
    assert.ok(
      removed.removed.includes("qwen-account") || !JSON.stringify(providers).includes("qwen_code"),
      JSON.stringify({ removed, providers }),
    );
    assert.ok(!JSON.stringify(providers).includes("qwen_code"));
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("e2e the Gemini door reaches an Antigravity account: envelope out, plain Gemini stream back", async () => {
  const oauth = startFakeOAuth({ vendor: "google" });
  const codeAssist = startFakeCodeAssist({
    isValidToken: (token) => oauth.validAccessTokens.has(token),
    answers: [() =>
      new Response(
        `data: ${
          JSON.stringify({
            response: {
              candidates: [{
                content: { role: "model", parts: [{ text: "From Antigravity" }] },
                finishReason: "STOP",
              }],
              usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
            },
            traceId: "t",
          })
        }\r\n\r\n`,
        { headers: { "content-type": "text/event-stream" } },
      )],
  });
  const tokens = oauth.issue();
  const proxy = await startProxy({
    env: {
      ...await isolatedHome(),
      ANTIGRAVITY_OAUTH_BASE: oauth.base,
      ANTIGRAVITY_API_BASE: codeAssist.base,
      ANTIGRAVITY_ACCESS_TOKEN: tokens.access_token,
      ANTIGRAVITY_REFRESH_TOKEN: tokens.refresh_token,
      ANTIGRAVITY_EXPIRY_DATE: String(Date.now() + 60 * MINUTE),
      ANTIGRAVITY_PROJECT_ID: "p-9",
    },
  });
  try {
    const response = await fetch(
      `${proxy.url}/v1beta/models/antigravity/gemini-3-flash:streamGenerateContent?alt=sse`,
      {
        method: "POST",
        headers: { "x-goog-api-key": proxy.apiKey, "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] }),
      },
    );
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /"text":"From Antigravity"/);
    assert.ok(!text.includes('"response":'), "the client gets Gemini's own shape, not the envelope");
    const sent = codeAssist.requests.find((request) => request.path === "/v1internal:streamGenerateContent")!;
    assert.equal(sent.json!.project, "p-9");
    assert.equal(sent.json!.requestType, "agent");
    assert.deepEqual((sent.json!.request as { contents: unknown }).contents, [{
      role: "user",
      parts: [{ text: "Hi" }],
    }]);
  } finally {
    await proxy.stop();
    await codeAssist.close();
    await oauth.close();
  }
});
