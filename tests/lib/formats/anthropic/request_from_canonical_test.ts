import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../../lib/formats/canonical.ts";
import { canonicalToAnthropicRequest } from "../../../../lib/formats/anthropic/request.ts";
import { canonicalRequest } from "../../../helpers/canonical.ts";
const canonical = (overrides: Partial<CanonicalRequest> = {}) =>
  canonicalRequest("claude-sonnet-4", overrides);

Deno.test("canonicalToAnthropicRequest() writes the scalar fields and defaults max_tokens", () => {
  const body = canonicalToAnthropicRequest(canonical({
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    temperature: 0.2,
    topK: 10,
    stopSequences: ["STOP"],
    user: "u-1",
    stream: true,
  }));
  assert.deepEqual(body, {
    model: "claude-sonnet-4",
    max_tokens: 4096,
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    stop_sequences: ["STOP"],
    temperature: 0.2,
    top_k: 10,
    metadata: { user_id: "u-1" },
    stream: true,
  });
  assert.equal(canonicalToAnthropicRequest(canonical({ maxTokens: 100 })).max_tokens, 100);
  assert.equal("stream" in canonicalToAnthropicRequest(canonical()), false);
});

Deno.test("canonicalToAnthropicRequest() writes system as a string, as blocks, or not at all", () => {
  assert.equal(canonicalToAnthropicRequest(canonical({ system: [{ type: "text", text: "A" }] })).system, "A");
  assert.deepEqual(
    canonicalToAnthropicRequest(
      canonical({ system: [{ type: "text", text: "A" }, { type: "text", text: "B" }] }),
    )
      .system,
    [{ type: "text", text: "A" }, { type: "text", text: "B" }],
  );
  assert.equal(
    "system" in canonicalToAnthropicRequest(canonical({ system: [{ type: "text", text: "" }] })),
    false,
  );
});

Deno.test("canonicalToAnthropicRequest() merges same-role turns, puts tool results first, drops unsigned reasoning", () => {
  const body = canonicalToAnthropicRequest(canonical({
    messages: [
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "unsigned, from another provider" },
          { type: "reasoning", text: "signed", signature: "sig" },
          { type: "redacted-reasoning", data: "opaque" },
          { type: "tool-call", id: "call_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      { role: "user", content: [{ type: "text", text: "also this" }] },
      {
        role: "user",
        content: [{
          type: "tool-result",
          toolCallId: "call_1",
          content: [{ type: "text", text: "sunny" }],
          isError: false,
        }],
      },
      { role: "assistant", content: [{ type: "reasoning", text: "only unsigned" }] },
      { role: "assistant", content: [{ type: "text", text: "" }] },
    ],
  }));
  assert.deepEqual(body.messages, [
    { role: "user", content: [{ type: "text", text: "Weather?" }] },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "signed", signature: "sig" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
      ],
    },
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_1", content: "sunny" },
        { type: "text", text: "also this" },
      ],
    },
  ]);
});

Deno.test("canonicalToAnthropicRequest() writes tool results as a string when all text, else blocks", () => {
  const body = canonicalToAnthropicRequest(canonical({
    messages: [{
      role: "user",
      content: [
        {
          type: "tool-result",
          toolCallId: "a",
          content: [{ type: "text", text: "line 1" }, { type: "text", text: "line 2" }],
          isError: false,
        },
        {
          type: "tool-result",
          toolCallId: "b",
          content: [
            { type: "text", text: "see" },
            { type: "image", source: { kind: "url", url: "https://example.com/x.png" } },
          ],
          isError: true,
        },
        { type: "tool-result", toolCallId: "c", content: [], isError: false },
      ],
    }],
  }));
  assert.deepEqual(body.messages, [{
    role: "user",
    content: [
      { type: "tool_result", tool_use_id: "a", content: "line 1\nline 2" },
      {
        type: "tool_result",
        tool_use_id: "b",
        content: [
          { type: "text", text: "see" },
          { type: "image", source: { type: "url", url: "https://example.com/x.png" } },
        ],
        is_error: true,
      },
      { type: "tool_result", tool_use_id: "c" },
    ],
  }]);
});

Deno.test("canonicalToAnthropicRequest() writes images and documents", () => {
  const body = canonicalToAnthropicRequest(canonical({
    messages: [{
      role: "user",
      content: [
        { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBOR" } },
        {
          type: "document",
          source: { kind: "text", mediaType: "text/plain", data: "notes" },
          title: "Notes",
        },
        { type: "document", source: { kind: "base64", mediaType: "application/pdf", data: "JVBER" } },
        { type: "document", source: { kind: "url", url: "https://example.com/a.pdf" } },
      ],
    }],
  }));
  assert.deepEqual(body.messages, [{
    role: "user",
    content: [
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
      { type: "document", source: { type: "text", media_type: "text/plain", data: "notes" }, title: "Notes" },
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBER" } },
      { type: "document", source: { type: "url", url: "https://example.com/a.pdf" } },
    ],
  }]);
});

Deno.test("canonicalToAnthropicRequest() writes tools and tool_choice", () => {
  const body = canonicalToAnthropicRequest(canonical({
    tools: [{ name: "f", description: "does f", inputSchema: { type: "object" } }, {
      name: "g",
      inputSchema: {},
    }],
    toolChoice: { type: "any", parallel: false },
  }));
  assert.deepEqual(body.tools, [
    { name: "f", description: "does f", input_schema: { type: "object" } },
    { name: "g", input_schema: {} },
  ]);
  assert.deepEqual(body.tool_choice, { type: "any", disable_parallel_tool_use: true });
  const choice = (toolChoice: CanonicalRequest["toolChoice"]) =>
    canonicalToAnthropicRequest(canonical({ tools: [{ name: "f", inputSchema: {} }], toolChoice }))
      .tool_choice;
  assert.deepEqual(choice({ type: "auto", parallel: true }), { type: "auto" });
  assert.deepEqual(choice({ type: "tool", name: "f" }), { type: "tool", name: "f" });
  assert.deepEqual(choice({ type: "none" }), { type: "none" });
});

Deno.test("canonicalToAnthropicRequest() turns reasoning into a thinking budget below max_tokens", () => {
  const write = (overrides: Partial<CanonicalRequest>) => canonicalToAnthropicRequest(canonical(overrides));
  const budget = write({ reasoning: { enabled: true, budgetTokens: 10000 }, maxTokens: 16000 });
  assert.deepEqual([budget.thinking, budget.max_tokens], [{ type: "enabled", budget_tokens: 10000 }, 16000]);
  const raised = write({ reasoning: { enabled: true, budgetTokens: 10000 }, maxTokens: 10000 });
  assert.deepEqual([raised.thinking, raised.max_tokens], [{ type: "enabled", budget_tokens: 10000 }, 14096]);
  const defaulted = write({ reasoning: { enabled: true, budgetTokens: 8000 } });
  assert.equal(defaulted.max_tokens, 12096);
  assert.deepEqual(write({ reasoning: { enabled: true, effort: "low" } }).thinking, {
    type: "enabled",
    budget_tokens: 2048,
  });
  assert.deepEqual(write({ reasoning: { enabled: true, effort: "medium" } }).thinking, {
    type: "enabled",
    budget_tokens: 8192,
  });
  const high = write({ reasoning: { enabled: true, effort: "high" } });
  assert.deepEqual([high.thinking, high.max_tokens], [{ type: "enabled", budget_tokens: 24576 }, 28672]);
  assert.equal("thinking" in write({ reasoning: { enabled: true, effort: "minimal" } }), false);
  assert.equal("thinking" in write({ reasoning: { enabled: false, budgetTokens: 4000 } }), false);
  assert.deepEqual(write({ reasoning: { enabled: true, budgetTokens: 100 } }).thinking, {
    type: "enabled",
    budget_tokens: 1024,
  });
});

Deno.test("canonicalToAnthropicRequest() keeps thinking compatible with Anthropic's rules", () => {
  const thinking = { enabled: true, budgetTokens: 2048 };
  const forced = canonicalToAnthropicRequest(canonical({
    reasoning: thinking,
    tools: [{ name: "f", inputSchema: { type: "object" } }],
    toolChoice: { type: "any" },
  }));
  assert.equal("thinking" in forced, false, "thinking with forced tool use");

  const unsignedHistory = canonicalToAnthropicRequest(canonical({
    reasoning: thinking,
    messages: [
      { role: "user", content: [{ type: "text", text: "weather?" }] },
      { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool-result", toolCallId: "call_1", content: [], isError: false }] },
    ],
  }));
  assert.equal("thinking" in unsignedHistory, false, "thinking after an unsigned tool-use turn");

  const sampled = canonicalToAnthropicRequest(
    canonical({ reasoning: thinking, temperature: 0.2, topK: 5, topP: 0.5 }),
  );
  assert.deepEqual(sampled.thinking, { type: "enabled", budget_tokens: 2048 });
  assert.equal("temperature" in sampled || "top_k" in sampled || "top_p" in sampled, false);
});

Deno.test("canonicalToAnthropicRequest() clamps temperature, drops blank stop sequences, trims a prefill, maps tool ids", () => {
  const body = canonicalToAnthropicRequest(canonical({
    temperature: 1.7,
    stopSequences: ["\n", "END"],
    messages: [
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "assistant", content: [{ type: "tool-call", id: "functions.get:0", name: "get", input: {} }] },
      {
        role: "user",
        content: [{ type: "tool-result", toolCallId: "functions.get:0", content: [], isError: false }],
      },
      { role: "assistant", content: [{ type: "text", text: "Sure, " }] },
    ],
  }));
  assert.equal(body.temperature, 1);
  assert.deepEqual(body.stop_sequences, ["END"]);
  const messages = body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
  assert.equal(messages[1].content[0].id, "functions_get_0");
  assert.equal(messages[2].content[0].tool_use_id, "functions_get_0");
  assert.deepEqual(messages[3].content, [{ type: "text", text: "Sure," }]);
});
