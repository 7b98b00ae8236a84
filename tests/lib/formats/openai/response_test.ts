import assert from "node:assert/strict";
import type { CanonicalResponse, FinishInfo } from "../../../../lib/formats/canonical.ts";
import { finishFromOpenAI, finishToOpenAI } from "../../../../lib/formats/openai/finish_reason.ts";
import {
  canonicalToOpenAIResponse,
  openAIResponseToCanonical,
} from "../../../../lib/formats/openai/response.ts";

const USAGE = {
  prompt_tokens: 2006,
  completion_tokens: 300,
  total_tokens: 2306,
  prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 192,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};

function completion(message: Record<string, unknown>, finishReason: string | null, usage: unknown = USAGE) {
  return {
    id: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    object: "chat.completion",
    created: 1741569952,
    model: "gpt-4o-2024-08-06",
    choices: [{
      index: 0,
      message: { role: "assistant", ...message },
      logprobs: null,
      finish_reason: finishReason,
    }],
    usage,
    service_tier: "default",
    system_fingerprint: "fp_50cad350e4",
  };
}

Deno.test("finishFromOpenAI() maps every OpenAI finish_reason", () => {
  assert.deepEqual(finishFromOpenAI("stop"), { unified: "stop", raw: "stop" });
  assert.deepEqual(finishFromOpenAI("length"), { unified: "length", raw: "length" });
  assert.deepEqual(finishFromOpenAI("tool_calls"), { unified: "tool-calls", raw: "tool_calls" });
  assert.deepEqual(finishFromOpenAI("function_call"), { unified: "tool-calls", raw: "function_call" });
  assert.deepEqual(finishFromOpenAI("content_filter"), { unified: "content-filter", raw: "content_filter" });
  assert.deepEqual(finishFromOpenAI(null), { unified: "other", raw: null });
  assert.deepEqual(finishFromOpenAI(undefined), { unified: "other", raw: null });
  assert.deepEqual(finishFromOpenAI("eos"), { unified: "other", raw: "eos" });
});

Deno.test("finishToOpenAI() maps every canonical finish reason", () => {
  const expected: Array<[FinishInfo["unified"], string]> = [
    ["stop", "stop"],
    ["stop-sequence", "stop"],
    ["other", "stop"],
    ["error", "stop"],
    ["length", "length"],
    ["tool-calls", "tool_calls"],
    ["content-filter", "content_filter"],
    ["refusal", "content_filter"],
  ];
  for (const [unified, openAI] of expected) {
    assert.equal(finishToOpenAI({ unified, raw: null }), openAI, unified);
  }
});

Deno.test("openAIResponseToCanonical() reads text, finish and usage with cached and reasoning tokens", () => {
  assert.deepEqual(openAIResponseToCanonical(completion({ content: "Hello!", refusal: null }, "stop")), {
    id: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    model: "gpt-4o-2024-08-06",
    content: [{ type: "text", text: "Hello!" }],
    finish: { unified: "stop", raw: "stop" },
    usage: {
      inputTokens: 86,
      outputTokens: 300,
      cacheReadTokens: 1920,
      cacheCreationTokens: 0,
      reasoningTokens: 192,
    },
  });
});

Deno.test("openAIResponseToCanonical() puts reasoning first (reasoning_content or reasoning)", () => {
  const deepSeek = openAIResponseToCanonical(
    completion({ content: "9.9", reasoning_content: "Compare decimals." }, "stop", { prompt_tokens: 5 }),
  );
  assert.deepEqual(deepSeek.content, [{ type: "reasoning", text: "Compare decimals." }, {
    type: "text",
    text: "9.9",
  }]);
  assert.deepEqual(deepSeek.usage, {
    inputTokens: 5,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    reasoningTokens: 0,
  });
  const openRouter = openAIResponseToCanonical(completion({ content: "ok", reasoning: "think" }, "stop"));
  assert.deepEqual(openRouter.content, [{ type: "reasoning", text: "think" }, { type: "text", text: "ok" }]);
});

Deno.test("openAIResponseToCanonical() reads tool calls; broken arguments become {}", () => {
  const response = openAIResponseToCanonical(completion({
    content: null,
    tool_calls: [
      { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { id: "call_b", type: "function", function: { name: "get_time", arguments: '{"tz":' } },
    ],
  }, "tool_calls"));
  assert.deepEqual(response.content, [
    { type: "tool-call", id: "call_a", name: "get_weather", input: { city: "Paris" } },
    { type: "tool-call", id: "call_b", name: "get_time", input: {} },
  ]);
  assert.deepEqual(response.finish, { unified: "tool-calls", raw: "tool_calls" });
});

Deno.test("openAIResponseToCanonical() turns a refusal into text with finish refusal", () => {
  const response = openAIResponseToCanonical(
    completion({ content: null, refusal: "I can't help with that." }, "stop"),
  );
  assert.deepEqual(response.content, [{ type: "text", text: "I can't help with that." }]);
  assert.deepEqual(response.finish, { unified: "refusal", raw: "stop" });
});

Deno.test("openAIResponseToCanonical() reads length, content_filter and a missing finish_reason", () => {
  assert.deepEqual(openAIResponseToCanonical(completion({ content: "Once" }, "length")).finish, {
    unified: "length",
    raw: "length",
  });
  assert.deepEqual(openAIResponseToCanonical(completion({ content: "" }, "content_filter")).finish, {
    unified: "content-filter",
    raw: "content_filter",
  });
  const unfinished = openAIResponseToCanonical(completion({ content: "" }, null, null));
  assert.deepEqual(unfinished.finish, { unified: "other", raw: null });
  assert.deepEqual(unfinished.content, []);
  assert.equal(unfinished.usage.inputTokens, 0);
});

Deno.test("openAIResponseToCanonical() throws a plain Error when there is no choice", () => {
  assert.throws(
    () => openAIResponseToCanonical({ id: "x", choices: [] }),
    (error: unknown) =>
      error instanceof Error && error.constructor === Error && /no choice/.test(error.message),
  );
  assert.throws(() => openAIResponseToCanonical(null), /no choice/);
});

Deno.test("canonicalToOpenAIResponse() writes a chat.completion with text, reasoning and tool calls", () => {
  const response: CanonicalResponse = {
    id: "msg_01XFDUDYJgAACzvnptvVoYEL",
    model: "claude-sonnet-4-5",
    content: [
      { type: "reasoning", text: "Need weather.", signature: "sig" },
      { type: "redacted-reasoning", data: "abc" },
      { type: "text", text: "Checking " },
      { type: "text", text: "now." },
      { type: "tool-call", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
    ],
    finish: { unified: "tool-calls", raw: "tool_use" },
    usage: {
      inputTokens: 10,
      outputTokens: 20,
      cacheReadTokens: 100,
      cacheCreationTokens: 5,
      reasoningTokens: 7,
    },
  };
  assert.deepEqual(
    canonicalToOpenAIResponse(response, { model: "anthropic/claude-sonnet-4-5", created: 1700000000 }),
    {
      id: "chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL",
      object: "chat.completion",
      created: 1700000000,
      model: "anthropic/claude-sonnet-4-5",
      choices: [{
        index: 0,
        message: {
          role: "assistant",
          content: "Checking now.",
          refusal: null,
          reasoning_content: "Need weather.",
          tool_calls: [{
            id: "toolu_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          }],
        },
        finish_reason: "tool_calls",
        logprobs: null,
      }],
      usage: {
        prompt_tokens: 115,
        completion_tokens: 20,
        total_tokens: 135,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 7 },
      },
    },
  );
});

Deno.test("canonicalToOpenAIResponse() keeps a chatcmpl- id, writes null content and a default created", () => {
  const before = Math.floor(Date.now() / 1000);
  const json = canonicalToOpenAIResponse({
    id: "chatcmpl-abc",
    model: "gpt-4o",
    content: [],
    finish: { unified: "length", raw: "length" },
    usage: {
      inputTokens: 1,
      outputTokens: 2,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
    },
  }, { model: "gpt-4o" });
  assert.equal(json.id, "chatcmpl-abc");
  assert.ok(typeof json.created === "number" && json.created >= before && json.created <= before + 5);
  assert.deepEqual(json.choices, [{
    index: 0,
    message: { role: "assistant", content: null, refusal: null },
    finish_reason: "length",
    logprobs: null,
  }]);
});

Deno.test("openAIResponseToCanonical() reads back what canonicalToOpenAIResponse() wrote", () => {
  const original: CanonicalResponse = {
    id: "chatcmpl-round",
    model: "gpt-4o",
    content: [
      { type: "reasoning", text: "r" },
      { type: "text", text: "t" },
      { type: "tool-call", id: "call_1", name: "f", input: { a: 1 } },
    ],
    finish: { unified: "tool-calls", raw: "tool_calls" },
    usage: {
      inputTokens: 3,
      outputTokens: 4,
      cacheReadTokens: 5,
      cacheCreationTokens: 0,
      reasoningTokens: 1,
    },
  };
  assert.deepEqual(
    openAIResponseToCanonical(canonicalToOpenAIResponse(original, { model: "gpt-4o" })),
    original,
  );
});

Deno.test("openAIResponseToCanonical() reads finish_reason stop with tool calls (a forced tool) as tool-calls", () => {
  const response = openAIResponseToCanonical({
    id: "c",
    model: "m",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      finish_reason: "stop",
    }],
  });
  assert.deepEqual(response.finish, { unified: "tool-calls", raw: "stop" });
});

Deno.test("openAIResponseToCanonical() gives calls without an id ids unique to the answer", () => {
  const answer = () =>
    openAIResponseToCanonical({
      choices: [{
        index: 0,
        message: {
          role: "assistant",
          content: null,
          tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }, {
            type: "function",
            function: { name: "g", arguments: "{}" },
          }],
        },
        finish_reason: "tool_calls",
      }],
    }).content.flatMap((part) => part.type === "tool-call" ? [part.id] : []);
  const first = answer();
  const second = answer();
  assert.equal(new Set([...first, ...second]).size, 4, "two turns of one conversation shared a tool id");
  for (const id of first) assert.match(id, /^call_[0-9a-f]{16}_\d$/);
});

Deno.test("canonicalToOpenAIResponse() writes no reasoning_content for signature-only reasoning", () => {
  const json = canonicalToOpenAIResponse({
    id: "r",
    model: "m",
    content: [
      { type: "reasoning", text: "", signature: "gemini:SIG" },
      { type: "tool-call", id: "call_1", name: "f", input: {} },
    ],
    finish: { unified: "tool-calls", raw: "STOP" },
    usage: {
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
    },
  }, { model: "m" }) as { choices: Array<{ message: Record<string, unknown> }> };
  assert.equal("reasoning_content" in json.choices[0].message, false);
});
