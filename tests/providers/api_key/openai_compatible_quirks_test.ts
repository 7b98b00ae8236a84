/** Per-provider rewrites of OpenAI-format bodies: reasoning history, output limits, refused parameters. */
import assert from "node:assert/strict";
import { cohere } from "../../../providers/api_key/cohere.ts";
import { deepseek, DEEPSEEK_REASONING_PLACEHOLDER } from "../../../providers/api_key/deepseek.ts";
import { groq } from "../../../providers/api_key/groq.ts";
import { mistral } from "../../../providers/api_key/mistral.ts";
import { openAICompatible } from "../../../providers/api_key/openai_compatible.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import { openrouter } from "../../../providers/api_key/openrouter.ts";
import { xai } from "../../../providers/api_key/xai.ts";
import type { ProviderAdapter } from "../../../providers/types.ts";

type Body = Record<string, unknown>;

function prepare(adapter: ProviderAdapter, body: Body, model: string): Body {
  return adapter.prepareBody ? adapter.prepareBody(body, { model, stream: false }) : body;
}

const call = (id: string) => ({ id, type: "function", function: { name: "ls", arguments: "{}" } });
const messagesOf = (body: Body) => body.messages as Body[];

/** A finished tool turn, a plain turn, then a tool loop under way. */
const TOOL_LOOP = [
  { role: "user", content: "list files" },
  { role: "assistant", content: null, reasoning_content: "I should list.", tool_calls: [call("a")] },
  { role: "tool", tool_call_id: "a", content: "x.txt" },
  { role: "assistant", content: null, tool_calls: [call("b")] },
  { role: "tool", tool_call_id: "b", content: "y.txt" },
  { role: "assistant", content: "x.txt and y.txt" },
  { role: "user", content: "thanks" },
  { role: "assistant", content: "You're welcome.", reasoning_content: "Polite reply." },
  { role: "user", content: "read x.txt" },
  { role: "assistant", content: "", reasoning_content: "", tool_calls: [call("c")] },
  { role: "tool", tool_call_id: "c", content: "hello" },
];

Deno.test("deepseek.prepareBody() passes reasoning_content back in tool turns, padding any it lacks", () => {
  const messages = messagesOf(prepare(deepseek, { messages: TOOL_LOOP }, "deepseek-reasoner"));
  const reasoning = messages.map((message) => message.reasoning_content);
  assert.deepEqual(reasoning, [
    undefined,
    "I should list.",
    undefined,
    DEEPSEEK_REASONING_PLACEHOLDER,
    undefined,
    // The answer that closes a tool turn belongs to it too.
    DEEPSEEK_REASONING_PLACEHOLDER,
    undefined,
    // A turn without tool calls: DeepSeek ignores its reasoning, so it is not sent.
    undefined,
    undefined,
    // An empty string is refused by DeepSeek V4 like a missing field.
    DEEPSEEK_REASONING_PLACEHOLDER,
    undefined,
  ]);
  assert.equal("reasoning_content" in messages[7], false);
  assert.equal(DEEPSEEK_REASONING_PLACEHOLDER.trim(), "");
  assert.notEqual(DEEPSEEK_REASONING_PLACEHOLDER, "");
  // Everything but reasoning is left as the client sent it.
  assert.deepEqual(
    messages.map(({ reasoning_content: _reasoning, ...rest }) => rest),
    TOOL_LOOP.map(({ reasoning_content: _reasoning, ...rest }) => rest),
  );
});

Deno.test("deepseek.prepareBody() adds no placeholder when the model does not think", () => {
  const model = (name: string, extra: Body = {}) =>
    messagesOf(prepare(deepseek, { messages: TOOL_LOOP, ...extra }, name))[3];
  assert.equal("reasoning_content" in model("deepseek-chat"), false);
  assert.equal("reasoning_content" in model("deepseek-v4-pro", { thinking: { type: "disabled" } }), false);
  assert.equal(model("deepseek-chat", { thinking: { type: "enabled" } }).reasoning_content, " ");
  assert.equal(model("deepseek-v4-flash").reasoning_content, " ");
  // Reasoning that was given is kept in tool turns either way.
  assert.equal(
    messagesOf(prepare(deepseek, { messages: TOOL_LOOP }, "deepseek-chat"))[1].reasoning_content,
    "I should list.",
  );
});

Deno.test("openAICompatible({ reasoningHistory }) strips reasoning from history; custom servers keep it", () => {
  const body = {
    messages: [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello", reasoning_content: "greet", reasoning: "greet" },
    ],
  };
  const strict = openAICompatible({ id: "strict", baseUrl: "http://x/v1", reasoningHistory: "strip" });
  assert.deepEqual(messagesOf(prepare(strict, body, "m")), [
    { role: "user", content: "hi" },
    { role: "assistant", content: "hello" },
  ]);
  const custom = openAICompatible({ id: "vllm", baseUrl: "http://localhost:8000/v1" });
  assert.deepEqual(prepare(custom, body, "m"), body);
  const plain = { messages: [{ role: "user", content: "hi" }] };
  assert.equal(prepare(strict, plain, "m"), plain, "a body without reasoning is not copied");
});

Deno.test("reasoning history: mistral, openai, groq, cohere and xai strip it; openrouter keeps it", () => {
  const body = {
    messages: [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello", reasoning_content: "greet" },
      { role: "user", content: "again" },
    ],
  };
  const cases: Array<[ProviderAdapter, string]> = [
    [mistral, "mistral-large-latest"],
    [openai, "gpt-4o"],
    [openai, "o3"],
    [groq, "openai/gpt-oss-120b"],
    [cohere, "command-a-03-2025"],
    [xai, "grok-3-mini"],
  ];
  for (const [adapter, model] of cases) {
    const assistant = messagesOf(prepare(adapter, body, model))[1];
    assert.equal("reasoning_content" in assistant, false, `${adapter.id} ${model}`);
  }
  assert.equal(messagesOf(prepare(openrouter, body, "deepseek/deepseek-v3.2"))[1].reasoning_content, "greet");
});

Deno.test("mistral.prepareBody() sends max_completion_tokens as max_tokens, the smaller when both are set", () => {
  const model = "mistral-large-latest";
  assert.deepEqual(prepare(mistral, { messages: [], max_completion_tokens: 500 }, model), {
    messages: [],
    max_tokens: 500,
  });
  assert.deepEqual(prepare(mistral, { messages: [], max_tokens: 300, max_completion_tokens: 500 }, model), {
    messages: [],
    max_tokens: 300,
  });
  assert.deepEqual(prepare(mistral, { messages: [], max_tokens: 800, max_completion_tokens: 500 }, model), {
    messages: [],
    max_tokens: 500,
  });
  assert.deepEqual(prepare(mistral, { messages: [], max_tokens: 800 }, model), {
    messages: [],
    max_tokens: 800,
  });
});

/** Everything a client may set that some OpenAI reasoning model refuses. */
const SAMPLED = {
  messages: [],
  temperature: 0.2,
  top_p: 0.9,
  stop: ["END"],
  parallel_tool_calls: false,
  presence_penalty: 0.5,
  frequency_penalty: 0.5,
  logit_bias: { "50256": -100 },
  logprobs: true,
  top_logprobs: 2,
};

Deno.test("openai.prepareBody() drops what o-series and GPT-5 reasoning models refuse", () => {
  assert.deepEqual(prepare(openai, { ...SAMPLED, max_tokens: 100, reasoning_effort: "high" }, "o3"), {
    messages: [],
    max_completion_tokens: 100,
    reasoning_effort: "high",
  });
  assert.deepEqual(prepare(openai, SAMPLED, "o4-mini-2025-04-16"), { messages: [] });
  // gpt-5 takes parallel_tool_calls; o3-mini takes stop.
  assert.deepEqual(prepare(openai, SAMPLED, "gpt-5-mini"), { messages: [], parallel_tool_calls: false });
  assert.deepEqual(prepare(openai, SAMPLED, "o3-mini"), { messages: [], stop: ["END"] });
  // The default value (1) is accepted and kept.
  assert.deepEqual(prepare(openai, { messages: [], temperature: 1, top_p: 1 }, "o1"), {
    messages: [],
    temperature: 1,
    top_p: 1,
  });
});

Deno.test("openai.prepareBody() keeps sampling for GPT-5.1+ asked not to reason, and for chat models", () => {
  const { stop: _stop, ...withoutStop } = SAMPLED;
  const withoutPenalties = (body: Body) => {
    const { presence_penalty: _presence, frequency_penalty: _frequency, logit_bias: _bias, ...rest } = body;
    return rest;
  };
  assert.deepEqual(
    prepare(openai, { ...SAMPLED, reasoning_effort: "none" }, "gpt-5.1"),
    withoutPenalties({ ...withoutStop, reasoning_effort: "none" }),
  );
  assert.deepEqual(prepare(openai, { ...SAMPLED, reasoning_effort: "low" }, "gpt-5.2"), {
    messages: [],
    parallel_tool_calls: false,
    reasoning_effort: "low",
  });
  // gpt-5 itself has no "none": sampling stays refused.
  assert.equal("temperature" in prepare(openai, { ...SAMPLED, reasoning_effort: "none" }, "gpt-5"), false);
  assert.deepEqual(prepare(openai, SAMPLED, "gpt-4o"), SAMPLED);
  assert.deepEqual(prepare(openai, { ...SAMPLED, reasoning_effort: "high" }, "gpt-5-chat-latest"), SAMPLED);
});

Deno.test("xai.prepareBody() drops stop and penalties for reasoning models; reasoning_effort where documented", () => {
  const body = {
    messages: [],
    stop: ["END"],
    presence_penalty: 0.5,
    frequency_penalty: 0.5,
    temperature: 0.3,
  };
  for (const model of ["grok-4", "grok-4-0709", "grok-3-mini", "grok-4-fast-reasoning", "grok-code-fast-1"]) {
    assert.deepEqual(prepare(xai, body, model), { messages: [], temperature: 0.3 }, model);
  }
  for (const model of ["grok-3", "grok-4-fast-non-reasoning", "grok-4-1-fast-non-reasoning"]) {
    assert.deepEqual(prepare(xai, body, model), body, model);
  }
  const effort = (model: string) =>
    prepare(xai, { messages: [], reasoning_effort: "high" }, model).reasoning_effort;
  assert.equal(effort("grok-3-mini"), "high");
  assert.equal(effort("grok-4.3"), "high");
  for (const model of ["grok-4", "grok-4-1-fast-reasoning", "grok-4.20-reasoning"]) {
    assert.equal(effort(model), undefined, model);
  }
});

Deno.test("deepseek.prepareBody() sends a body with nothing to change as it is, not a copy", () => {
  const body = {
    messages: [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
      { role: "user", content: "again" },
    ],
  };
  assert.equal(deepseek.prepareBody!(body, { model: "deepseek-reasoner", stream: false }), body);
});
