import assert from "node:assert/strict";
import {
  canonicalToResponsesResponse,
  echoOfRequest,
  responsesResponseToCanonical,
} from "../../../../lib/formats/responses/response.ts";
import { reasoningFromEncryptedContent } from "../../../../lib/formats/responses/reasoning_carrier.ts";

const usage = {
  inputTokens: 10,
  outputTokens: 4,
  cacheReadTokens: 5,
  cacheCreationTokens: 0,
  reasoningTokens: 2,
};

Deno.test("canonicalToResponsesResponse() writes reasoning, message and call items, echoing the request", () => {
  const response = canonicalToResponsesResponse({
    id: "up-1",
    model: "upstream",
    content: [
      { type: "reasoning", text: "hmm", signature: "gemini:abc" },
      { type: "redacted-reasoning", data: "opaque" },
      { type: "text", text: "Let me " },
      { type: "text", text: "look." },
      { type: "tool-call", id: "call_9", name: "lookup", input: { q: 1 } },
    ],
    finish: { unified: "tool-calls", raw: "tool_calls" },
    usage,
  }, {
    model: "gemini/gemini-2.5",
    echo: echoOfRequest({ instructions: "Be kind.", tools: [{ type: "function", name: "lookup" }] }),
    namespaces: new Map(),
    createdAt: 1_700_000_000,
  });
  assert.match(String(response.id), /^resp_/);
  assert.equal(response.object, "response");
  assert.equal(response.status, "completed");
  assert.equal(response.model, "gemini/gemini-2.5");
  assert.equal(response.instructions, "Be kind.");
  assert.equal(response.store, true);
  const output = response.output as Array<Record<string, unknown>>;
  assert.deepEqual(output.map((item) => item.type), ["reasoning", "reasoning", "message", "function_call"]);
  assert.deepEqual(reasoningFromEncryptedContent(String(output[0].encrypted_content)), {
    text: "hmm",
    signature: "gemini:abc",
  });
  assert.deepEqual(reasoningFromEncryptedContent(String(output[1].encrypted_content)), {
    redacted: "opaque",
  });
  assert.deepEqual(output[2].content, [{
    type: "output_text",
    text: "Let me look.",
    annotations: [],
    logprobs: [],
  }]);
  assert.equal(output[3].call_id, "call_9");
  assert.equal(output[3].arguments, '{"q":1}');
  assert.deepEqual(response.usage, {
    input_tokens: 15,
    input_tokens_details: { cached_tokens: 5 },
    output_tokens: 4,
    output_tokens_details: { reasoning_tokens: 2 },
    total_tokens: 19,
  });
});

Deno.test("canonicalToResponsesResponse() marks a truncated answer incomplete", () => {
  const response = canonicalToResponsesResponse(
    {
      id: "x",
      model: "m",
      content: [{ type: "text", text: "Once" }],
      finish: { unified: "length", raw: "length" },
      usage,
    },
    { model: "m", echo: {}, namespaces: new Map() },
  );
  assert.equal(response.status, "incomplete");
  assert.deepEqual(response.incomplete_details, { reason: "max_output_tokens" });
});

Deno.test("responsesResponseToCanonical() reads an OpenAI response: reasoning, text, calls, usage", () => {
  const canonical = responsesResponseToCanonical({
    id: "resp_1",
    object: "response",
    status: "completed",
    model: "gpt-5",
    output: [
      {
        id: "rs_1",
        type: "reasoning",
        summary: [{ type: "summary_text", text: "plan" }],
        encrypted_content: "enc",
      },
      { id: "msg_1", type: "message", role: "assistant", content: [{ type: "output_text", text: "Hi" }] },
      { id: "fc_1", type: "function_call", call_id: "call_1", name: "f", arguments: '{"a":1}' },
      { id: "ws_1", type: "web_search_call", status: "completed" },
    ],
    usage: {
      input_tokens: 30,
      input_tokens_details: { cached_tokens: 10 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 3 },
    },
  });
  assert.deepEqual(canonical, {
    id: "resp_1",
    model: "gpt-5",
    content: [
      { type: "reasoning", text: "plan", signature: "responses:enc" },
      { type: "text", text: "Hi" },
      { type: "tool-call", id: "call_1", name: "f", input: { a: 1 } },
    ],
    finish: { unified: "tool-calls", raw: "completed" },
    usage: {
      inputTokens: 20,
      outputTokens: 7,
      cacheReadTokens: 10,
      cacheCreationTokens: 0,
      reasoningTokens: 3,
    },
  });
  assert.deepEqual(
    responsesResponseToCanonical({
      object: "response",
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      output: [],
    }).finish,
    { unified: "length", raw: "max_output_tokens" },
  );
  assert.throws(
    () =>
      responsesResponseToCanonical({
        object: "response",
        status: "failed",
        error: { message: "boom" },
        output: [],
      }),
    /boom/,
  );
});
