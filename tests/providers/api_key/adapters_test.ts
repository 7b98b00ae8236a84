/** Request building and quirks of each provider adapter, from the vendors' documented formats. */
import assert from "node:assert/strict";
import { apiKeyCredential, oauthCredential } from "../../../lib/credentials/credential.ts";
import { anthropic, withoutUnsignedThinking } from "../../../providers/api_key/anthropic.ts";
import { cohere } from "../../../providers/api_key/cohere.ts";
import { deepseek } from "../../../providers/api_key/deepseek.ts";
import { fitThinkingConfig, gemini } from "../../../providers/api_key/gemini.ts";
import { mistral, MISTRAL_TOOL_BRIDGE } from "../../../providers/api_key/mistral.ts";
import { nvidiaNim } from "../../../providers/api_key/nvidia_nim.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import { openrouter } from "../../../providers/api_key/openrouter.ts";
import { KNOWN_PROVIDERS } from "../../../providers/mod.ts";

const credential = apiKeyCredential("sk-test-key-0123456789");
/** What the upstream client hands request builders: the adapter's own auth headers for the key. */
const authOf = (adapter: { authHeaders: typeof openrouter.authHeaders }) =>
  adapter.authHeaders(credential.secret, credential);

Deno.test("openAICompatible providers: Bearer key, /chat/completions, model replaced, nested ids kept", () => {
  const request = openrouter.chatRequest({
    baseUrl: "https://openrouter.ai/api/v1",
    credential,
    auth: authOf(openrouter),
    model: "anthropic/claude-3-opus",
    body: { model: "openrouter/anthropic/claude-3-opus", messages: [], stream: true },
    stream: true,
  });
  assert.equal(request.url, "https://openrouter.ai/api/v1/chat/completions");
  assert.equal(request.headers.authorization, "Bearer sk-test-key-0123456789");
  assert.equal(request.headers.accept, "text/event-stream");
  assert.deepEqual(JSON.parse(request.body!), {
    model: "anthropic/claude-3-opus",
    messages: [],
    stream: true,
  });
  assert.deepEqual(openrouter.parseModels({ data: [{ id: "a/b", created: 5, owned_by: "a" }] }), {
    models: [{ id: "a/b", created: 5, ownedBy: "a" }],
    nextPageToken: null,
  });
  assert.equal(
    openrouter.embeddingsRequest!({
      baseUrl: "https://x/v1",
      credential,
      auth: authOf(openrouter),
      model: "m",
      body: {},
    }).url,
    "https://x/v1/embeddings",
  );
});

Deno.test("every built-in provider has the vendor's documented base URL", () => {
  const bases = Object.fromEntries(
    [...KNOWN_PROVIDERS].filter(([, adapter]) => adapter.authKind === "api_key").map((
      [id, adapter],
    ) => [id, adapter.defaultBaseUrl]),
  );
  assert.deepEqual(bases, {
    openai: "https://api.openai.com/v1",
    anthropic: "https://api.anthropic.com",
    gemini: "https://generativelanguage.googleapis.com",
    openrouter: "https://openrouter.ai/api/v1",
    groq: "https://api.groq.com/openai/v1",
    mistral: "https://api.mistral.ai/v1",
    nvidia_nim: "https://integrate.api.nvidia.com/v1",
    chutes: "https://llm.chutes.ai/v1",
    deepseek: "https://api.deepseek.com/v1",
    xai: "https://api.x.ai/v1",
    together: "https://api.together.xyz/v1",
    fireworks: "https://api.fireworks.ai/inference/v1",
    cohere: "https://api.cohere.ai/compatibility/v1",
  });
});

Deno.test("anthropic: x-api-key, anthropic-version, beta flags forwarded, count_tokens body trimmed, pages", () => {
  const input = {
    baseUrl: "https://api.anthropic.com",
    credential,
    auth: authOf(anthropic),
    model: "claude-test",
    body: { model: "anthropic/claude-test", max_tokens: 5, messages: [], temperature: 1, stream: true },
    stream: true,
    clientHeaders: new Headers({ "anthropic-beta": "context-1m-2025-08-07", authorization: "Bearer client" }),
  };
  const request = anthropic.chatRequest(input);
  assert.equal(request.url, "https://api.anthropic.com/v1/messages");
  assert.equal(request.headers["x-api-key"], "sk-test-key-0123456789");
  assert.equal(request.headers["anthropic-version"], "2023-06-01");
  assert.equal(request.headers["anthropic-beta"], "context-1m-2025-08-07");
  assert.equal(request.headers.authorization, undefined);
  const count = anthropic.countTokensRequest!(input);
  assert.equal(count.url, "https://api.anthropic.com/v1/messages/count_tokens");
  assert.deepEqual(JSON.parse(count.body!), { messages: [], model: "claude-test" });
  assert.equal(
    anthropic.modelsRequest({
      baseUrl: "https://api.anthropic.com",
      credential,
      auth: authOf(anthropic),
      pageToken: "claude-x",
    }).url,
    "https://api.anthropic.com/v1/models?limit=1000&after_id=claude-x",
  );
  assert.deepEqual(
    anthropic.parseModels({ data: [{ id: "claude-x" }], has_more: true, last_id: "claude-x" }),
    {
      models: [{ id: "claude-x", ownedBy: "anthropic" }],
      nextPageToken: "claude-x",
    },
  ); // https://docs.anthropic.com/en/api/models-list: `created_at` is an RFC 3339 date.
  assert.deepEqual(
    anthropic.parseModels({
      data: [{ type: "model", id: "claude-y", display_name: "Claude Y", created_at: "2025-02-19T00:00:00Z" }],
      has_more: false,
    }).models,
    [{ id: "claude-y", created: Date.UTC(2025, 1, 19) / 1000, ownedBy: "anthropic" }],
  );
});

Deno.test("gemini: generateContent / streamGenerateContent?alt=sse URLs, x-goog-api-key, model out of the body", () => {
  const base = {
    baseUrl: "https://generativelanguage.googleapis.com",
    credential,
    auth: authOf(gemini),
    body: { model: "x", contents: [] },
  };
  const json = gemini.chatRequest({ ...base, model: "gemini-2.5-flash", stream: false });
  assert.equal(
    json.url,
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
  );
  assert.equal(json.headers["x-goog-api-key"], "sk-test-key-0123456789");
  assert.deepEqual(JSON.parse(json.body!), { contents: [] });
  const stream = gemini.chatRequest({ ...base, model: "models/gemini-2.5-pro", stream: true });
  assert.equal(
    stream.url,
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
  );
  assert.deepEqual(
    gemini.parseModels({
      models: [
        { name: "models/gemini-2.5-flash", supportedGenerationMethods: ["generateContent"] },
        { name: "models/veo", supportedGenerationMethods: ["predictLongRunning"] },
      ],
      nextPageToken: "next",
    }),
    { models: [{ id: "gemini-2.5-flash", ownedBy: "google" }], nextPageToken: "next" },
  );
});

Deno.test("deepseek drops reasoning_content from turns without tool calls; mistral and cohere drop `strict`", () => {
  const history = {
    messages: [{ role: "assistant", content: "4", reasoning_content: "2+2" }, {
      role: "user",
      content: "ok",
    }],
  };
  assert.deepEqual(deepseek.prepareBody!(history, { model: "deepseek-reasoner", stream: false }).messages, [
    { role: "assistant", content: "4" },
    { role: "user", content: "ok" },
  ]);
  const tools = {
    tools: [{ type: "function", function: { name: "f", strict: true, parameters: { type: "object" } } }],
  };
  for (const adapter of [mistral, cohere]) {
    assert.deepEqual(adapter.prepareBody!(tools, { model: "m", stream: false }).tools, [
      { type: "function", function: { name: "f", parameters: { type: "object" } } },
    ]);
  }
});

Deno.test("mistral: reasoning_effort becomes prompt_mode for Magistral models and is dropped for others", () => {
  const body = { messages: [], reasoning_effort: "high" };
  assert.deepEqual(mistral.prepareBody!(body, { model: "magistral-medium-latest", stream: false }), {
    messages: [],
    prompt_mode: "reasoning",
  });
  assert.deepEqual(mistral.prepareBody!(body, { model: "mistral-small-latest", stream: false }), {
    messages: [],
  });
});

Deno.test("mistral: refused fields dropped, tool-call ids rewritten to nine characters consistently", () => {
  const prepared = mistral.prepareBody!({
    stream: true,
    stream_options: { include_usage: true },
    user: "u",
    top_k: 5,
    messages: [
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "toolu_01ABC", type: "function", function: {} }],
      },
      { role: "tool", tool_call_id: "toolu_01ABC", content: "ok" },
      { role: "tool", tool_call_id: "Ab3dE6gH9", content: "ok" },
    ],
  }, { model: "mistral-large-latest", stream: true });
  assert.deepEqual(Object.keys(prepared).sort(), ["messages", "stream"]);
  const messages = prepared.messages as Array<Record<string, unknown>>;
  const id = (messages[0].tool_calls as Array<{ id: string }>)[0].id;
  assert.match(id, /^[a-zA-Z0-9]{9}$/);
  assert.equal(messages[1].tool_call_id, id);
  assert.equal(messages[2].tool_call_id, "Ab3dE6gH9");
});

Deno.test("mistral: a user message right after tool results gets an assistant bridge; others are untouched", () => {
  const messages = [
    { role: "user", content: "list files" },
    { role: "assistant", content: null, tool_calls: [{ id: "Ab3dE6gH9", type: "function", function: {} }] },
    { role: "tool", tool_call_id: "Ab3dE6gH9", content: "a.txt" },
    { role: "user", content: "now read it" },
    { role: "assistant", content: "ok" },
    { role: "user", content: "thanks" },
  ];
  const prepared = mistral.prepareBody!({ messages }, { model: "mistral-large-latest", stream: false });
  assert.deepEqual(prepared.messages, [...messages.slice(0, 3), MISTRAL_TOOL_BRIDGE, ...messages.slice(3)]);
  // Other OpenAI-compatible peers accept tool → user and get the body as it was.
  assert.deepEqual(openai.prepareBody!({ messages }, { model: "gpt-4o", stream: false }).messages, messages);
});

Deno.test("reasoning_effort reaches only providers and models that take it", () => {
  const body = { messages: [], reasoning_effort: "high" };
  const context = (model: string) => ({ model, stream: false });
  assert.equal("reasoning_effort" in openai.prepareBody!(body, context("gpt-4o")), false);
  assert.equal(openai.prepareBody!(body, context("o3")).reasoning_effort, "high");
  assert.equal("reasoning_effort" in deepseek.prepareBody!(body, context("deepseek-chat")), false);
  assert.deepEqual(openrouter.prepareBody!(body, context("openai/o3")), {
    messages: [],
    reasoning: { effort: "high" },
  });
});

Deno.test("nvidia_nim: reasoning switches by chat template arguments, or the Nemotron system prompt", () => {
  const body = { messages: [{ role: "user", content: "x" }], reasoning_effort: "medium" };
  assert.deepEqual(nvidiaNim.prepareBody!(body, { model: "deepseek-ai/deepseek-v3.1", stream: false }), {
    messages: [{ role: "user", content: "x" }],
    chat_template_kwargs: { thinking: true, enable_thinking: true },
  });
  assert.deepEqual(
    nvidiaNim.prepareBody!(body, { model: "nvidia/llama-3.3-nemotron-super-49b-v1", stream: false }).messages,
    [{ role: "system", content: "detailed thinking on" }, { role: "user", content: "x" }],
  );
  assert.equal(nvidiaNim.thinkTags, true);
});

Deno.test("openai: max_tokens becomes max_completion_tokens; reasoning_effort only for reasoning models", () => {
  const body = { messages: [], max_tokens: 100, reasoning_effort: "high" };
  assert.deepEqual(openai.prepareBody!(body, { model: "gpt-4o", stream: false }), {
    messages: [],
    max_completion_tokens: 100,
  });
  assert.deepEqual(openai.prepareBody!(body, { model: "o4-mini", stream: false }), {
    messages: [],
    max_completion_tokens: 100,
    reasoning_effort: "high",
  });
  assert.deepEqual(openai.prepareBody!({ max_completion_tokens: 5 }, { model: "gpt-5", stream: false }), {
    max_completion_tokens: 5,
  });
});

Deno.test("gemini: thinking budgets fitted to the model family", () => {
  const body = (thinkingBudget: number) => ({
    contents: [],
    generationConfig: { maxOutputTokens: 10, thinkingConfig: { includeThoughts: true, thinkingBudget } },
  });
  const budget = (result: Record<string, unknown>) =>
    ((result.generationConfig as Record<string, unknown>).thinkingConfig as
      | Record<string, unknown>
      | undefined)
      ?.thinkingBudget;
  assert.equal(budget(fitThinkingConfig(body(31_999), "gemini-2.5-flash")), 24_576);
  assert.equal(budget(fitThinkingConfig(body(31_999), "gemini-2.5-pro")), 31_999);
  assert.equal(budget(fitThinkingConfig(body(50_000), "gemini-2.5-pro")), 32_768);
  assert.equal(budget(fitThinkingConfig(body(0), "gemini-2.5-pro")), undefined);
  assert.equal(budget(fitThinkingConfig(body(100), "gemini-2.5-flash-lite")), 512);
  const old = fitThinkingConfig(body(1024), "gemini-2.0-flash");
  assert.deepEqual(old.generationConfig, { maxOutputTokens: 10 });
});

Deno.test("anthropic: thinking blocks unsigned or signed by another provider are left out of passed-through history", () => {
  const body = {
    messages: [{
      role: "assistant",
      content: [{ type: "thinking", thinking: "x", signature: "" }, {
        type: "thinking",
        thinking: "y",
        signature: "s",
      }, {
        // Gemini's, from a turn another provider answered.
        type: "thinking",
        thinking: "z",
        signature: "gemini:CiIBVKhc7oB2",
      }, {
        type: "text",
        text: "ok",
      }],
    }],
  };
  const cleaned = withoutUnsignedThinking(body).messages as Array<{ content: Array<{ type: string }> }>;
  assert.deepEqual(cleaned[0].content.map((block) => block.type), ["thinking", "text"]);
  const plain = { messages: [{ role: "user", content: "hi" }] };
  assert.equal(withoutUnsignedThinking(plain), plain, "an untouched body is not copied");
});

Deno.test("request builders authenticate with the auth headers they are given, never with the credential's secret", () => {
  // What authorize() produced (e.g. an OAuth access token) differs from the stored secret.
  const token = "access-token-from-authorize";
  for (const [id, adapter] of KNOWN_PROVIDERS) {
    // OAuth providers take accounts (Code Assist needs the account's project).
    const used = adapter.authKind === "oauth"
      ? oauthCredential(id, "account@example.com", { metadata: { projectId: "project-1" } })
      : credential;
    const auth = adapter.authHeaders(token, used);
    const input = {
      baseUrl: "https://example.test",
      credential: used,
      auth,
      model: "m",
      body: { model: "m", messages: [], max_tokens: 5 },
      stream: false,
    };
    const requests = [
      adapter.chatRequest(input),
      adapter.modelsRequest({ baseUrl: "https://example.test", credential: used, auth }),
      ...(adapter.embeddingsRequest ? [adapter.embeddingsRequest({ ...input, body: { input: ["x"] } })] : []),
      ...(adapter.countTokensRequest ? [adapter.countTokensRequest(input)] : []),
    ];
    for (const request of requests) {
      const headers = JSON.stringify(request.headers);
      assert.ok(headers.includes(token), `${id}: ${request.url} does not carry the token`);
      assert.equal(
        `${headers}${request.url}${request.body ?? ""}`.includes(credential.secret),
        false,
        `${id}: ${request.url} read the secret`,
      );
    }
  }
});
