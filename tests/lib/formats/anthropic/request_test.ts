import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../../lib/formats/canonical.ts";
import {
  anthropicRequestToCanonical,
  canonicalToAnthropicRequest,
} from "../../../../lib/formats/anthropic/request.ts";
import { messagesRequestSchema } from "../../../../lib/formats/anthropic/schema.ts";

/** Validate like the server does, then translate. */
function toCanonical(body: Record<string, unknown>): CanonicalRequest {
  const parsed = messagesRequestSchema.parse({ model: "claude-x", max_tokens: 512, ...body });
  return anthropicRequestToCanonical(parsed, "upstream-model");
}

Deno.test("anthropicRequestToCanonical() maps the scalar fields", () => {
  const request = toCanonical({
    messages: [{ role: "user", content: "Hi" }],
    temperature: 0.5,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ["END"],
    metadata: { user_id: "user-42" },
    stream: true,
  });
  assert.deepEqual(request, {
    model: "upstream-model",
    system: [],
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    tools: [],
    stream: true,
    maxTokens: 512,
    temperature: 0.5,
    topP: 0.9,
    topK: 40,
    stopSequences: ["END"],
    user: "user-42",
  });
});

Deno.test("anthropicRequestToCanonical() turns system strings and blocks into text parts", () => {
  const messages = [{ role: "user", content: "x" }];
  assert.deepEqual(toCanonical({ system: "Be brief.", messages }).system, [{
    type: "text",
    text: "Be brief.",
  }]);
  assert.deepEqual(
    toCanonical({
      system: [{ type: "text", text: "A" }, { type: "text", text: "B", cache_control: {} }],
      messages,
    })
      .system,
    [{ type: "text", text: "A" }, { type: "text", text: "B" }],
  );
  assert.deepEqual(toCanonical({ system: "", messages }).system, []);
});

Deno.test("anthropicRequestToCanonical() maps every content block type", () => {
  const request = toCanonical({
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
          { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
          {
            type: "document",
            source: { type: "text", media_type: "text/plain", data: "notes" },
            title: "Notes",
          },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBER" } },
          { type: "document", source: { type: "url", url: "https://example.com/a.pdf" }, title: null },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Let me think.", signature: "sig-1" },
          { type: "redacted_thinking", data: "opaque" },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "sunny" },
          {
            type: "tool_result",
            tool_use_id: "toolu_2",
            is_error: true,
            content: [
              { type: "text", text: "failed" },
              { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/" } },
            ],
          },
          { type: "tool_result", tool_use_id: "toolu_3" },
        ],
      },
    ],
  });
  assert.deepEqual(request.messages, [
    {
      role: "user",
      content: [
        { type: "text", text: "Look" },
        { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBOR" } },
        { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
        {
          type: "document",
          source: { kind: "text", mediaType: "text/plain", data: "notes" },
          title: "Notes",
        },
        { type: "document", source: { kind: "base64", mediaType: "application/pdf", data: "JVBER" } },
        { type: "document", source: { kind: "url", url: "https://example.com/a.pdf" } },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "reasoning", text: "Let me think.", signature: "sig-1" },
        { type: "redacted-reasoning", data: "opaque" },
        { type: "tool-call", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
      ],
    },
    {
      role: "user",
      content: [
        {
          type: "tool-result",
          toolCallId: "toolu_1",
          content: [{ type: "text", text: "sunny" }],
          isError: false,
        },
        {
          type: "tool-result",
          toolCallId: "toolu_2",
          content: [
            { type: "text", text: "failed" },
            { type: "image", source: { kind: "base64", mediaType: "image/jpeg", data: "/9j/" } },
          ],
          isError: true,
        },
        { type: "tool-result", toolCallId: "toolu_3", content: [], isError: false },
      ],
    },
  ]);
});

Deno.test("anthropicRequestToCanonical() keeps custom tools only and maps tool_choice", () => {
  const request = toCanonical({
    messages: [{ role: "user", content: "x" }],
    tools: [
      { name: "get_weather", description: "Weather", input_schema: { type: "object", properties: {} } },
      { type: "custom", name: "plain", input_schema: { type: "object" } },
      { type: "web_search_20250305", name: "web_search", max_uses: 3 },
    ],
    tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
  });
  assert.deepEqual(request.tools, [
    { name: "get_weather", description: "Weather", inputSchema: { type: "object", properties: {} } },
    { name: "plain", inputSchema: { type: "object" } },
  ]);
  assert.deepEqual(request.toolChoice, { type: "tool", name: "get_weather", parallel: false });
  const messages = [{ role: "user", content: "x" }];
  assert.deepEqual(toCanonical({ messages, tool_choice: { type: "auto" } }).toolChoice, { type: "auto" });
  assert.deepEqual(
    toCanonical({ messages, tool_choice: { type: "any", disable_parallel_tool_use: false } }).toolChoice,
    { type: "any", parallel: true },
  );
  assert.deepEqual(toCanonical({ messages, tool_choice: { type: "none" } }).toolChoice, { type: "none" });
});

Deno.test("anthropicRequestToCanonical() maps thinking to reasoning", () => {
  const messages = [{ role: "user", content: "x" }];
  const enabled = { messages, max_tokens: 4096, thinking: { type: "enabled", budget_tokens: 2048 } };
  assert.deepEqual(toCanonical(enabled).reasoning, {
    enabled: true,
    budgetTokens: 2048,
  });
  assert.deepEqual(toCanonical({ messages, thinking: { type: "disabled" } }).reasoning, { enabled: false });
  assert.deepEqual(toCanonical({ messages, thinking: { type: "adaptive" } }).reasoning, { enabled: true });
  assert.equal(toCanonical({ messages }).reasoning, undefined);
});

Deno.test("Anthropic request → canonical → Anthropic keeps what Anthropic accepts", () => {
  const original = {
    model: "claude-x",
    max_tokens: 2048,
    system: "You are terse.",
    messages: [
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Call the tool.", signature: "sig" },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny", is_error: true }],
      },
    ],
    tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object" } }],
    tool_choice: { type: "auto", disable_parallel_tool_use: true },
    thinking: { type: "enabled", budget_tokens: 1024 },
  };
  const parsed = messagesRequestSchema.parse(original);
  const back = canonicalToAnthropicRequest(anthropicRequestToCanonical(parsed, "claude-x"));
  assert.deepEqual(back, original);
});
