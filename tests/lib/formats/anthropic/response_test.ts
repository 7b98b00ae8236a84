import assert from "node:assert/strict";
import type { CanonicalResponse } from "../../../../lib/formats/canonical.ts";
import {
  anthropicResponseToCanonical,
  canonicalToAnthropicResponse,
} from "../../../../lib/formats/anthropic/response.ts";
import { finishFromAnthropic, finishToAnthropic } from "../../../../lib/formats/anthropic/finish_reason.ts";
import {
  anthropicErrorBody,
  anthropicErrorStatus,
  anthropicErrorType,
  anthropicStreamErrorEvent,
} from "../../../../lib/formats/anthropic/error.ts";

const usage = {
  inputTokens: 10,
  outputTokens: 20,
  cacheReadTokens: 3,
  cacheCreationTokens: 4,
  reasoningTokens: 0,
};

function response(overrides: Partial<CanonicalResponse> = {}): CanonicalResponse {
  return {
    id: "msg_abc",
    model: "gpt-x",
    content: [],
    finish: { unified: "stop", raw: "stop" },
    usage,
    ...overrides,
  };
}

Deno.test("anthropicResponseToCanonical() reads every translated block, the stop reason and usage", () => {
  const canonical = anthropicResponseToCanonical({
    id: "msg_01",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-20250514",
    content: [
      { type: "thinking", thinking: "Plan.", signature: "sig" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "text", text: "Checking.", citations: null },
      { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} },
      { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    usage: {
      input_tokens: 100,
      output_tokens: 50,
      cache_creation_input_tokens: 7,
      cache_read_input_tokens: null,
      output_tokens_details: { thinking_tokens: 30 },
      service_tier: "standard",
    },
  });
  assert.deepEqual(canonical, {
    id: "msg_01",
    model: "claude-sonnet-4-20250514",
    content: [
      { type: "reasoning", text: "Plan.", signature: "sig" },
      { type: "redacted-reasoning", data: "opaque" },
      { type: "text", text: "Checking." },
      { type: "tool-call", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
    ],
    finish: { unified: "tool-calls", raw: "tool_use" },
    usage: {
      inputTokens: 100,
      outputTokens: 50,
      cacheReadTokens: 0,
      cacheCreationTokens: 7,
      reasoningTokens: 30,
    },
  });
});

Deno.test("anthropicResponseToCanonical() keeps the matched stop sequence", () => {
  const canonical = anthropicResponseToCanonical({
    id: "msg_02",
    type: "message",
    model: "claude",
    content: [{ type: "text", text: "1, 2, 3" }],
    stop_reason: "stop_sequence",
    stop_sequence: "4",
    usage: { input_tokens: 5, output_tokens: 6 },
  });
  assert.deepEqual(canonical.finish, { unified: "stop-sequence", raw: "stop_sequence", stopSequence: "4" });
  assert.deepEqual(canonical.usage, {
    inputTokens: 5,
    outputTokens: 6,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    reasoningTokens: 0,
  });
});

Deno.test("anthropicResponseToCanonical() throws a clear Error for anything but a message", () => {
  assert.throws(
    () =>
      anthropicResponseToCanonical({
        type: "error",
        error: { type: "overloaded_error", message: "Overloaded" },
      }),
    { message: "The Anthropic-format response is not a message object (an error: Overloaded)" },
  );
  assert.throws(
    () => anthropicResponseToCanonical({ id: "x", type: "completion", content: [] }),
    /not a message object \(type: /,
  );
  assert.throws(() => anthropicResponseToCanonical("nope"), /not a message object/);
  assert.throws(
    () =>
      anthropicResponseToCanonical({ id: "x", type: "message", content: [{ type: "tool_use", id: "t" }] }),
    { message: "The Anthropic-format response has a bad content.0.name" },
  );
});

Deno.test("canonicalToAnthropicResponse() writes a message object", () => {
  const json = canonicalToAnthropicResponse(
    response({
      id: "chatcmpl-9",
      content: [
        { type: "reasoning", text: "Plan.", signature: "sig" },
        { type: "reasoning", text: "Unsigned plan." },
        { type: "redacted-reasoning", data: "opaque" },
        { type: "text", text: "Hello" },
        { type: "text", text: "" },
        { type: "tool-call", id: "call_1", name: "f", input: { a: 1 } },
      ],
      finish: { unified: "tool-calls", raw: "tool_calls" },
    }),
    { model: "my-alias" },
  );
  assert.deepEqual(json, {
    id: "msg_chatcmpl-9",
    type: "message",
    role: "assistant",
    model: "my-alias",
    content: [
      { type: "thinking", thinking: "Plan.", signature: "sig" },
      { type: "thinking", thinking: "Unsigned plan.", signature: "" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "text", text: "Hello" },
      { type: "tool_use", id: "call_1", name: "f", input: { a: 1 } },
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      cache_creation_input_tokens: 4,
      cache_read_input_tokens: 3,
      output_tokens: 20,
    },
  });
});

Deno.test("canonicalToAnthropicResponse() keeps msg_ ids, invents one when missing, never invents text", () => {
  const kept = canonicalToAnthropicResponse(response(), { model: "m" });
  assert.equal(kept.id, "msg_abc");
  assert.deepEqual(kept.content, []);
  assert.equal(kept.stop_reason, "end_turn");
  const invented = canonicalToAnthropicResponse(response({ id: "" }), { model: "m" });
  assert.match(String(invented.id), /^msg_[0-9a-f]{32}$/);
});

Deno.test("canonicalToAnthropicResponse() writes each stop reason", () => {
  const stop = (finish: CanonicalResponse["finish"]) => {
    const json = canonicalToAnthropicResponse(response({ finish }), { model: "m" });
    return [json.stop_reason, json.stop_sequence];
  };
  assert.deepEqual(stop({ unified: "stop", raw: "stop" }), ["end_turn", null]);
  assert.deepEqual(stop({ unified: "length", raw: "length" }), ["max_tokens", null]);
  assert.deepEqual(stop({ unified: "tool-calls", raw: "tool_calls" }), ["tool_use", null]);
  assert.deepEqual(stop({ unified: "stop-sequence", raw: "stop", stopSequence: "###" }), [
    "stop_sequence",
    "###",
  ]);
  assert.deepEqual(stop({ unified: "content-filter", raw: "content_filter" }), ["refusal", null]);
  assert.deepEqual(stop({ unified: "refusal", raw: "refusal" }), ["refusal", null]);
  assert.deepEqual(stop({ unified: "error", raw: "error" }), ["end_turn", null]);
  assert.deepEqual(stop({ unified: "other", raw: null }), ["end_turn", null]);
  assert.deepEqual(stop({ unified: "other", raw: "pause_turn" }), ["pause_turn", null]);
});

Deno.test("finishFromAnthropic() maps each stop_reason and keeps the raw value", () => {
  assert.deepEqual(finishFromAnthropic("end_turn"), { unified: "stop", raw: "end_turn" });
  assert.deepEqual(finishFromAnthropic("max_tokens"), { unified: "length", raw: "max_tokens" });
  assert.deepEqual(finishFromAnthropic("model_context_window_exceeded"), {
    unified: "length",
    raw: "model_context_window_exceeded",
  });
  assert.deepEqual(finishFromAnthropic("stop_sequence", "END"), {
    unified: "stop-sequence",
    raw: "stop_sequence",
    stopSequence: "END",
  });
  assert.deepEqual(finishFromAnthropic("tool_use"), { unified: "tool-calls", raw: "tool_use" });
  assert.deepEqual(finishFromAnthropic("refusal"), { unified: "refusal", raw: "refusal" });
  assert.deepEqual(finishFromAnthropic("pause_turn"), { unified: "other", raw: "pause_turn" });
  assert.deepEqual(finishFromAnthropic("brand_new"), { unified: "other", raw: "brand_new" });
  assert.deepEqual(finishFromAnthropic(null), { unified: "other", raw: null });
  assert.deepEqual(finishFromAnthropic(undefined), { unified: "other", raw: null });
});

Deno.test("finishToAnthropic() round-trips Anthropic's own stop reasons", () => {
  for (
    const raw of [
      "end_turn",
      "max_tokens",
      "tool_use",
      "pause_turn",
      "refusal",
      "model_context_window_exceeded",
    ]
  ) {
    assert.deepEqual(finishToAnthropic(finishFromAnthropic(raw)), { stopReason: raw, stopSequence: null });
  }
  assert.deepEqual(finishToAnthropic(finishFromAnthropic("stop_sequence", "Z")), {
    stopReason: "stop_sequence",
    stopSequence: "Z",
  });
});

Deno.test("anthropicErrorType() and anthropicErrorStatus() use Anthropic's documented values", () => {
  assert.equal(anthropicErrorType("invalid_request"), "invalid_request_error");
  assert.equal(anthropicErrorType("authentication"), "authentication_error");
  assert.equal(anthropicErrorType("permission"), "permission_error");
  assert.equal(anthropicErrorType("not_found"), "not_found_error");
  assert.equal(anthropicErrorType("request_too_large"), "request_too_large");
  assert.equal(anthropicErrorType("rate_limit"), "rate_limit_error");
  assert.equal(anthropicErrorType("api_error"), "api_error");
  assert.equal(anthropicErrorType("overloaded"), "overloaded_error");
  assert.equal(anthropicErrorType("timeout"), "timeout_error");
  assert.deepEqual([502, 503, 504, 429, 400, 500].map(anthropicErrorStatus), [500, 529, 504, 429, 400, 500]);
});

Deno.test("anthropicErrorBody() and anthropicStreamErrorEvent() write Anthropic's error shape", () => {
  const fields = { kind: "rate_limit" as const, message: "Slow down", param: "model", code: "x" };
  assert.deepEqual(anthropicErrorBody(fields), {
    type: "error",
    error: { type: "rate_limit_error", message: "Slow down" },
  });
  assert.equal(
    anthropicStreamErrorEvent(fields),
    'event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}}\n\n',
  );
});
