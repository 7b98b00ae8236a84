import assert from "node:assert/strict";
import { apiKeyCredential, oauthCredential } from "../../../lib/credentials/credential.ts";
import { CODECS, providerCodec } from "../../../lib/formats/mod.ts";
import { thinkTagSplitter } from "../../../lib/formats/think_tags.ts";
import { DASHSCOPE_BASE, fitQwenBody, qwenBaseUrl, qwenCode } from "../../../providers/oauth/qwen_code.ts";
import { encodeParts, readStream, textOf } from "./stream_helpers.ts";

const oauth = oauthCredential("qwen_code", "qwen_code-1a2b3c4d", {
  metadata: { resourceUrl: "portal.qwen.ai" },
});

Deno.test("qwenBaseUrl() turns resource_url into the API base as qwen-code does", () => {
  assert.equal(qwenBaseUrl(oauth, DASHSCOPE_BASE), "https://portal.qwen.ai/v1");
  const withScheme = oauthCredential("qwen_code", "b", {
    metadata: { resourceUrl: "https://portal.qwen.ai/v1/" },
  });
  assert.equal(qwenBaseUrl(withScheme, DASHSCOPE_BASE), "https://portal.qwen.ai/v1");
  assert.equal(qwenBaseUrl(oauthCredential("qwen_code", "c"), DASHSCOPE_BASE), "https://portal.qwen.ai/v1");
  assert.equal(qwenBaseUrl(apiKeyCredential("sk-dashscope-key"), DASHSCOPE_BASE), DASHSCOPE_BASE);
  // QWEN_CODE_API_BASE (a mirror, a test) wins.
  assert.equal(qwenBaseUrl(oauth, "http://127.0.0.1:9003/v1"), "http://127.0.0.1:9003/v1");
});

Deno.test("qwenCode.chatRequest() sends qwen-code's OAuth headers and the cleaned body", () => {
  const canonical = CODECS.anthropic.toCanonicalRequest({
    model: "qwen_code/coder-model",
    max_tokens: 200,
    system: "You are terse.",
    messages: [{ role: "user", content: "List files" }],
    tools: [{
      name: "ls",
      input_schema: {
        type: "object",
        properties: { path: { type: "object", properties: {}, additionalProperties: false } },
        additionalProperties: false,
      },
    }],
  }, "coder-model");
  let body = providerCodec("openai").fromCanonicalRequest({
    ...canonical,
    model: "coder-model",
    stream: true,
  });
  body = qwenCode.prepareBody!(body, { model: "coder-model", stream: true });
  const request = qwenCode.chatRequest({
    baseUrl: DASHSCOPE_BASE,
    credential: oauth,
    auth: qwenCode.authHeaders("qwen-access", oauth),
    model: "coder-model",
    body,
    stream: true,
  });
  assert.equal(request.url, "https://portal.qwen.ai/v1/chat/completions");
  assert.equal(request.headers.authorization, "Bearer qwen-access");
  assert.equal(request.headers["x-dashscope-authtype"], "qwen-oauth");
  assert.match(request.headers["user-agent"], /^QwenCode\//);
  const json = JSON.parse(request.body!);
  assert.deepEqual(json.stream_options, { include_usage: true });
  assert.equal(JSON.stringify(json.tools).includes("additionalProperties"), false);
  assert.equal(JSON.stringify(json.tools).includes('"strict"'), false);
  assert.deepEqual(json.messages[0], { role: "system", content: "You are terse." });
});

Deno.test("fitQwenBody() merges system messages into one first message and drops fields Qwen refuses", () => {
  const fitted = fitQwenBody({
    model: "coder-model",
    messages: [
      { role: "user", content: "a" },
      { role: "system", content: "one" },
      { role: "system", content: [{ type: "text", text: "two" }] },
    ],
    parallel_tool_calls: true,
    reasoning_effort: "high",
  });
  assert.deepEqual(fitted, {
    model: "coder-model",
    messages: [{ role: "system", content: "one\n\ntwo" }, { role: "user", content: "a" }],
  });
});

Deno.test("qwen_code streams: <think> tags split into reasoning, also across chunks, for both front doors", async () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${
      JSON.stringify({
        id: "c1",
        object: "chat.completion.chunk",
        model: "coder-model",
        choices: [{ index: 0, delta, finish_reason: finish }],
      })
    }\n\n`;
  // Qwen sends finish_reason and usage in separate chunks (usage with `choices: []`).
  const stream = [
    chunk({ role: "assistant", content: "<thi" }),
    chunk({ content: "nk>Let me look.</th" }),
    chunk({ content: "ink>Here are the files." }),
    chunk({}, "stop"),
    `data: ${
      JSON.stringify({
        id: "c1",
        object: "chat.completion.chunk",
        choices: [],
        usage: { prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 },
      })
    }\n\n`,
    "data: [DONE]\n\n",
  ].join("");
  assert.equal(qwenCode.thinkTags, true);
  const parts = await readStream(stream, providerCodec("openai").streamToParts());
  const split = await Array.fromAsync(ReadableStream.from(parts).pipeThrough(thinkTagSplitter()));
  assert.equal(textOf(split), "Here are the files.");
  assert.equal(
    split.map((part) => part.type === "reasoning-delta" ? part.text : "").join(""),
    "Let me look.",
  );
  const anthropic = await encodeParts(
    split,
    CODECS.anthropic.partsToStream({ model: "qwen_code/coder-model", includeUsage: true }),
  );
  assert.match(anthropic, /"type":"thinking_delta","thinking":"Let me look\."/);
  assert.match(anthropic, /"output_tokens":6/);
  const openai = await encodeParts(
    split,
    CODECS.openai.partsToStream({ model: "qwen_code/coder-model", includeUsage: true }),
  );
  assert.match(openai, /"reasoning_content":"Let me look\."/);
});

Deno.test("qwenCode.parseModels() falls back to Qwen OAuth's models when the listing is empty", () => {
  assert.deepEqual(qwenCode.parseModels({ data: [] }).models.map((model) => model.id), [
    "coder-model",
    "qwen3-coder-plus",
    "qwen3-coder-flash",
  ]);
  assert.deepEqual(qwenCode.parseModels({ data: [{ id: "qwen3-max" }] }).models, [{ id: "qwen3-max" }]);
});
