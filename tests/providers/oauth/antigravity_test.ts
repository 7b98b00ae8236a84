import assert from "node:assert/strict";
import { oauthCredential } from "../../../lib/credentials/credential.ts";
import { CODECS, providerCodec } from "../../../lib/formats/mod.ts";
import { SKIP_SIGNATURE } from "../../../lib/formats/gemini/request.ts";
import { createAntigravity, requestKind, sessionIdOf } from "../../../providers/oauth/antigravity.ts";
import { CODE_ASSIST_TOOL_STREAM } from "../../fixtures/oauth/code_assist_streams.ts";
import { readStream } from "./stream_helpers.ts";

const credential = oauthCredential("antigravity", "dev@example.com", {
  metadata: { projectId: "rising-fact-p41fc" },
});

function send(
  adapter: ReturnType<typeof createAntigravity>,
  clientBody: Record<string, unknown>,
  model: string,
) {
  const canonical = CODECS.openai.toCanonicalRequest(clientBody, model);
  let body = providerCodec("gemini").fromCanonicalRequest({ ...canonical, model, stream: true });
  body = adapter.prepareBody!(body, { model, stream: true });
  const request = adapter.chatRequest({
    baseUrl: "http://127.0.0.1:9002",
    credential,
    auth: adapter.authHeaders("ya29.ag", credential),
    model,
    body,
    stream: true,
  });
  return { request, json: JSON.parse(request.body!) };
}

Deno.test("antigravity.chatRequest() sends Antigravity's envelope, headers and request fields", () => {
  const adapter = createAntigravity();
  const { request, json } = send(adapter, {
    model: "antigravity/gemini-3-flash",
    messages: [{ role: "user", content: "Plan a trip" }],
    max_tokens: 2000,
  }, "gemini-3-flash");
  assert.equal(request.url, "http://127.0.0.1:9002/v1internal:streamGenerateContent?alt=sse");
  assert.match(request.headers["user-agent"], /^antigravity\/hub\/\d+\.\d+\.\d+ /);
  assert.equal(request.headers["x-goog-user-project"], undefined);
  assert.equal(json.userAgent, "antigravity");
  assert.equal(json.requestType, "agent");
  assert.match(json.requestId, /^agent-[0-9a-f-]{36}$/);
  assert.equal(json.project, "rising-fact-p41fc");
  assert.match(json.request.sessionId, /^-\d+$/);
  assert.equal(json.request.sessionId, sessionIdOf(json.request), "stable per conversation");
  assert.equal(json.request.generationConfig?.maxOutputTokens, undefined, "not for Gemini models");
});

Deno.test("antigravity.chatRequest() gives Claude VALIDATED tool calls and a capped output", () => {
  const { json } = send(createAntigravity(), {
    model: "antigravity/claude-sonnet-4-6",
    messages: [{ role: "user", content: "Weather?" }],
    max_tokens: 100_000,
    tools: [{
      type: "function",
      function: { name: "get_weather", parameters: { type: "object", properties: {} } },
    }],
  }, "claude-sonnet-4-6");
  assert.equal(json.request.toolConfig.functionCallingConfig.mode, "VALIDATED");
  assert.equal(json.request.generationConfig.maxOutputTokens, 64_000);
});

Deno.test("antigravity keeps a tool call's thought signature for the next turn of an OpenAI client", async () => {
  const adapter = createAntigravity();
  const parts = await readStream(
    CODE_ASSIST_TOOL_STREAM,
    providerCodec("gemini").streamToParts(),
    adapter.envelope,
  );
  const call = parts.find((part) => part.type === "tool-call-start");
  assert.ok(call && call.type === "tool-call-start");
  // The OpenAI client sends the call back without any signature.
  const { json } = send(adapter, {
    model: "antigravity/gemini-3-pro-high",
    messages: [
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: call.id,
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        }],
      },
      { role: "tool", tool_call_id: call.id, content: "Sunny" },
    ],
    tools: [{
      type: "function",
      function: { name: "get_weather", parameters: { type: "object", properties: {} } },
    }],
  }, "gemini-3-pro-high");
  const modelTurn = json.request.contents.find((content: { role: string }) => content.role === "model");
  assert.equal(modelTurn.parts[0].thoughtSignature, "CiQBVKhc7real-signature");

  // A call this adapter never saw keeps gemini-cli's sentinel.
  const { json: unknown } = send(createAntigravity(), {
    model: "antigravity/gemini-3-pro-high",
    messages: [
      { role: "user", content: "Weather in Rome?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "c1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Rome"}' },
        }],
      },
      { role: "tool", tool_call_id: "c1", content: "Rain" },
    ],
    tools: [{
      type: "function",
      function: { name: "get_weather", parameters: { type: "object", properties: {} } },
    }],
  }, "gemini-3-pro-high");
  const other = unknown.request.contents.find((content: { role: string }) => content.role === "model");
  assert.equal(other.parts[0].thoughtSignature, SKIP_SIGNATURE);
});

Deno.test("antigravity.parseModels() reads fetchAvailableModels and hides internal entries", () => {
  const adapter = createAntigravity();
  const request = adapter.modelsRequest({
    baseUrl: "http://127.0.0.1:9002",
    credential,
    auth: { authorization: "Bearer t" },
  });
  assert.equal(request.method, "POST");
  assert.equal(request.url, "http://127.0.0.1:9002/v1internal:fetchAvailableModels");
  assert.deepEqual(JSON.parse(request.body!), { project: "rising-fact-p41fc" });
  const page = adapter.parseModels({
    models: {
      "claude-opus-4-6-thinking": { displayName: "Claude Opus 4.6", quotaInfo: { remainingFraction: 1 } },
      "gemini-3-flash": { displayName: "Gemini 3 Flash" },
      "gpt-oss-120b-medium": {},
      chat_20706: {},
      tab_flash_lite_preview: {},
    },
  });
  assert.deepEqual(page.models.map((model) => [model.id, model.ownedBy]), [
    ["claude-opus-4-6-thinking", "anthropic"],
    ["gemini-3-flash", "google"],
    ["gpt-oss-120b-medium", "openai"],
  ]);
});

Deno.test("antigravity requestKind(): image models are image_gen calls, the rest agent calls", () => {
  const image = requestKind("gemini-3.1-flash-image", 1_767_225_600_000);
  assert.equal(image.requestType, "image_gen");
  assert.match(image.requestId, /^image_gen\/1767225600000\/[0-9a-f-]{36}\/12$/);
  const agent = requestKind("claude-sonnet-4-6");
  assert.equal(agent.requestType, "agent");
  assert.match(agent.requestId, /^agent-[0-9a-f-]{36}$/);
});
