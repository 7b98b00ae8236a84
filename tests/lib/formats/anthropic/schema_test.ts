import assert from "node:assert/strict";
import {
  countTokensRequestSchema,
  messagesRequestSchema,
  passThroughRequestSchema,
} from "../../../../lib/formats/anthropic/schema.ts";
import type { z } from "zod";

const base = {
  model: "claude-sonnet-4-20250514",
  max_tokens: 1024,
  messages: [{ role: "user", content: "Hi" }],
};

/** The first problem as the server renders it: `path: message`. */
function problem(schema: z.ZodType, body: unknown): string {
  const result = schema.safeParse(body);
  assert.equal(result.success, false, "expected the body to be rejected");
  const issue = result.error!.issues[0];
  return `${issue.path.join(".")}: ${issue.message}`;
}

function withContent(content: unknown) {
  return { ...base, messages: [{ role: "user", content }] };
}

Deno.test("messagesRequestSchema accepts every content block type and keeps unknown fields", () => {
  const body = {
    ...base,
    system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
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
          { type: "document", source: { type: "url", url: "https://example.com/a.pdf" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "hmm", signature: "sig" },
          { type: "redacted_thinking", data: "opaque" },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "sunny", is_error: false },
          { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "a" }] },
          { type: "tool_result", tool_use_id: "toolu_1" },
        ],
      },
    ],
    tools: [
      { name: "get_weather", description: "Weather", input_schema: { type: "object" } },
      { type: "web_search_20250305", name: "web_search", max_uses: 5 },
    ],
    tool_choice: { type: "auto", disable_parallel_tool_use: true },
    thinking: { type: "enabled", budget_tokens: 512 * 4 },
    max_tokens: 4096,
    metadata: { user_id: "user-1" },
    stop_sequences: ["END"],
    temperature: 1,
    top_p: 0.9,
    top_k: 40,
    stream: true,
    service_tier: "auto",
  };
  const result = messagesRequestSchema.safeParse(body);
  assert.equal(result.success, true, JSON.stringify(result.error?.issues));
  assert.deepEqual(result.data, body);
});

Deno.test("messagesRequestSchema requires max_tokens in Anthropic's words", () => {
  assert.equal(
    problem(messagesRequestSchema, { ...base, max_tokens: undefined }),
    "max_tokens: Field required",
  );
  assert.equal(messagesRequestSchema.safeParse({ ...base, max_tokens: 0 }).success, true);
  assert.equal(
    problem(messagesRequestSchema, { ...base, max_tokens: -1 }),
    "max_tokens: must be a non-negative integer",
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, max_tokens: 1.5 }),
    "max_tokens: must be a non-negative integer",
  );
});

Deno.test("messagesRequestSchema names an unsupported content block type with its path", () => {
  assert.equal(
    problem(messagesRequestSchema, withContent([{ type: "text", text: "a" }, { type: "foo" }])),
    'messages.0.content.1.type: unsupported content block type "foo" ' +
      "(expected text, image, document, search_result, tool_use, tool_result, thinking, redacted_thinking)",
  );
  assert.equal(
    problem(messagesRequestSchema, withContent([{ text: "a" }])),
    "messages.0.content.0.type: is required " +
      "(expected text, image, document, search_result, tool_use, tool_result, thinking, redacted_thinking)",
  );
});

Deno.test("messagesRequestSchema reports a bad field inside a block with its full path", () => {
  assert.equal(
    problem(messagesRequestSchema, withContent([{ type: "text" }])),
    "messages.0.content.0.text: Field required",
  );
  assert.equal(
    problem(messagesRequestSchema, withContent([{ type: "image", source: { type: "file", file_id: "f" } }])),
    'messages.0.content.0.source.type: unsupported image source type "file" (expected base64, url)',
  );
  assert.equal(
    problem(
      messagesRequestSchema,
      withContent([{ type: "tool_result", tool_use_id: "t", content: [{ type: "web_search_result" }] }]),
    ),
    'messages.0.content.0.content.0.type: unsupported tool_result content block type "web_search_result" ' +
      "(expected text, image, document, search_result, tool_reference, browser_state)",
  );
  assert.equal(
    problem(messagesRequestSchema, withContent(42)),
    "messages.0.content: must be a string or an array of content blocks",
  );
});

Deno.test("messagesRequestSchema checks roles, messages, system, tools, tool_choice and thinking", () => {
  assert.equal(
    problem(messagesRequestSchema, { ...base, messages: [{ role: "tool", content: "x" }] }),
    'messages.0.role: must be "user", "assistant" or "system"',
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, messages: [] }),
    "messages: must contain at least one message",
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, system: [{ type: "image" }] }),
    'system.0.type: unsupported system block type "image" (expected text)',
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, tools: [{ name: "x" }] }),
    "tools.0.input_schema: Field required",
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, tool_choice: { type: "required" } }),
    'tool_choice.type: unsupported tool_choice type "required" (expected auto, any, tool, none)',
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, tool_choice: { type: "tool" } }),
    "tool_choice.name: Field required",
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, thinking: { type: "enabled" } }),
    "thinking.budget_tokens: Field required",
  );
  assert.equal(problem(messagesRequestSchema, { ...base, model: undefined }), "model: Field required");
});

Deno.test("countTokensRequestSchema does not require max_tokens", () => {
  const { max_tokens: _, ...body } = base;
  assert.equal(countTokensRequestSchema.safeParse(body).success, true);
  assert.equal(
    problem(countTokensRequestSchema, withContent([{ type: "foo" }])).startsWith("messages.0.content.0.type"),
    true,
  );
});

Deno.test("passThroughRequestSchema checks only model, max_tokens and messages", () => {
  const body = withContent([{ type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} }]);
  assert.equal(passThroughRequestSchema.safeParse(body).success, true);
  assert.equal(
    problem(passThroughRequestSchema, { ...base, max_tokens: undefined }),
    "max_tokens: Field required",
  );
  assert.equal(
    problem(passThroughRequestSchema, { ...base, messages: undefined }),
    "messages: Field required",
  );
});
