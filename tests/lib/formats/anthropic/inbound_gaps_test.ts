/**
 * Valid Anthropic bodies (per the official SDK's types and Claude Code's real requests) that the
 * translation schema used to refuse, the range checks it used to skip, and what canonical → Anthropic
 * must leave out for Anthropic to accept the body.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import type { CanonicalRequest } from "../../../../lib/formats/canonical.ts";
import {
  anthropicRequestToCanonical,
  canonicalToAnthropicRequest,
} from "../../../../lib/formats/anthropic/request.ts";
import {
  countTokensRequestSchema,
  interleavedMessagesRequestSchema,
  messagesRequestSchema,
  passThroughCountTokensRequestSchema,
  passThroughRequestSchema,
} from "../../../../lib/formats/anthropic/schema.ts";
import { canonicalRequest } from "../../../helpers/canonical.ts";
const canonical = (overrides: Partial<CanonicalRequest> = {}) =>
  canonicalRequest("claude-sonnet-4", overrides);

const base = { model: "claude-sonnet-4-5", max_tokens: 4096, messages: [{ role: "user", content: "Hi" }] };

/** The first problem as the server renders it: `path: message`. */
function problem(schema: z.ZodType, body: unknown): string {
  const result = schema.safeParse(body);
  assert.equal(result.success, false, "expected the body to be rejected");
  const issue = result.error!.issues[0];
  return `${issue.path.join(".")}: ${issue.message}`;
}

function accepts(schema: z.ZodType, body: unknown): void {
  const result = schema.safeParse(body);
  assert.equal(result.success, true, JSON.stringify(result.error?.issues));
}

/** Validate like the server does, then translate. */
function toCanonical(body: Record<string, unknown>): CanonicalRequest {
  return anthropicRequestToCanonical(messagesRequestSchema.parse({ ...base, ...body }), "upstream-model");
}

const reminder = (text: string) => ({ type: "text", text: `<system-reminder>\n${text}\n</system-reminder>` });

// ——— 1. Mid-conversation system messages ———

Deno.test("messagesRequestSchema accepts mid-conversation system messages as a string or text blocks", () => {
  const messages = [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello" },
    { role: "system", content: "The user is now on mobile." },
    { role: "system", content: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }] },
    { role: "user", content: "Go on" },
  ];
  accepts(messagesRequestSchema, { ...base, messages });
  accepts(countTokensRequestSchema, { model: base.model, messages });
  assert.equal(
    problem(messagesRequestSchema, { ...base, messages: [{ role: "system", content: [{ type: "image" }] }] }),
    'messages.0.content.0.type: unsupported system block type "image" (expected text)',
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, messages: [{ role: "tool", content: "x" }] }),
    'messages.0.role: must be "user", "assistant" or "system"',
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, messages: [{ content: "x" }] }),
    "messages.0.role: Field required",
  );
});

Deno.test("anthropicRequestToCanonical() keeps a mid-conversation system message in place as a user-turn reminder", () => {
  const request = toCanonical({
    system: "Top system",
    messages: [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "weather", input: {} }] },
      { role: "system", content: [{ type: "text", text: "A" }, { type: "text", text: "B" }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny" }] },
      { role: "assistant", content: "It is sunny." },
      { role: "system", content: "Now answer in French." },
    ],
  });
  assert.deepEqual(request.system, [{ type: "text", text: "Top system" }]);
  assert.deepEqual(request.messages, [
    { role: "user", content: [{ type: "text", text: "Weather?" }] },
    { role: "assistant", content: [{ type: "tool-call", id: "toolu_1", name: "weather", input: {} }] },
    {
      role: "user",
      // Merged into the tool result's turn, the result first (every provider needs it right after the call).
      content: [
        {
          type: "tool-result",
          toolCallId: "toolu_1",
          content: [{ type: "text", text: "sunny" }],
          isError: false,
        },
        reminder("A\n\nB"),
      ],
    },
    { role: "assistant", content: [{ type: "text", text: "It is sunny." }] },
    { role: "user", content: [reminder("Now answer in French.")] },
  ]);
});

Deno.test("anthropicRequestToCanonical() drops a system message cleared at the next user message once one follows", () => {
  const cleared = { role: "system", content: "Only until the user speaks", clear_at: "next_user_message" };
  assert.deepEqual(
    toCanonical({
      messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hey" }, cleared, {
        role: "user",
        content: "Bye",
      }],
    }).messages.at(-1),
    { role: "user", content: [{ type: "text", text: "Bye" }] },
  );
  assert.deepEqual(
    toCanonical({ messages: [{ role: "user", content: "Hi" }, cleared] }).messages,
    [{ role: "user", content: [{ type: "text", text: "Hi" }, reminder("Only until the user speaks")] }],
  );
});

// ——— 2. count_tokens and max_tokens: 0 ———

Deno.test("passThroughCountTokensRequestSchema checks only what routing needs", () => {
  accepts(passThroughCountTokensRequestSchema, {
    model: base.model,
    messages: [{ role: "user", content: [{ type: "some_future_block", data: 1 }] }],
    tools: [{ type: "browser_toolset_20260801" }],
  });
  assert.equal(problem(passThroughCountTokensRequestSchema, { messages: [] }), "model: Field required");
  assert.equal(
    problem(passThroughCountTokensRequestSchema, { model: base.model }),
    "messages: Field required",
  );
});

Deno.test("max_tokens: 0 (prompt cache pre-warming) is valid, and sent as 1 when translated", () => {
  accepts(passThroughRequestSchema, { ...base, max_tokens: 0 });
  accepts(messagesRequestSchema, { ...base, max_tokens: 0 });
  assert.equal(
    problem(passThroughRequestSchema, { ...base, max_tokens: -1 }),
    "max_tokens: must be a non-negative integer",
  );
  assert.equal(toCanonical({ max_tokens: 0 }).maxTokens, 1);
  assert.equal(toCanonical({ max_tokens: 7 }).maxTokens, 7);
});

// ——— 3. Typed tools and thinking types ———

Deno.test("messagesRequestSchema requires name and input_schema of custom tools only", () => {
  const tools = [
    { type: "browser_toolset_20260801" },
    { type: "computer_toolset_20260801", configs: null },
    { type: "mcp_toolset", mcp_server_name: "srv" },
    { type: "web_search_20250305", name: "web_search" },
    { name: "get_weather", input_schema: { type: "object" } },
  ];
  accepts(messagesRequestSchema, { ...base, tools });
  assert.deepEqual(toCanonical({ tools }).tools, [{ name: "get_weather", inputSchema: { type: "object" } }]);
  assert.equal(
    problem(messagesRequestSchema, { ...base, tools: [{ input_schema: { type: "object" } }] }),
    "tools.0.name: Field required",
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, tools: [{ type: "custom", name: "f" }] }),
    "tools.0.input_schema: Field required",
  );
  assert.equal(
    problem(messagesRequestSchema, { ...base, tools: [{ type: null, name: "" }] }),
    "tools.0.name: must not be empty",
  );
});

Deno.test("anthropicRequestToCanonical() maps every thinking type, and lets the model decide for unknown ones", () => {
  const reasoning = (thinking: unknown) => toCanonical({ thinking }).reasoning;
  assert.deepEqual(reasoning({ type: "between_tools" }), { enabled: true });
  assert.deepEqual(reasoning({ type: "adaptive", display: "omitted" }), { enabled: true });
  assert.deepEqual(reasoning({ type: "disabled" }), { enabled: false });
  assert.deepEqual(reasoning({ type: "enabled", budget_tokens: 2048 }), {
    enabled: true,
    budgetTokens: 2048,
  });
  assert.equal(reasoning({ type: "some_future_mode" }), undefined);
  assert.equal("reasoning" in toCanonical({ thinking: { type: "some_future_mode" } }), false);
  assert.equal(problem(messagesRequestSchema, { ...base, thinking: {} }), "thinking.type: Field required");
});

// ——— 4. Content blocks ———

Deno.test("anthropicRequestToCanonical() translates documents, search results and tool references inside tool results", () => {
  const request = toCanonical({
    messages: [
      { role: "user", content: "Find it" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "search", input: {} }] },
      {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: "toolu_1",
          content: [
            {
              type: "document",
              source: { type: "text", media_type: "text/plain", data: "notes" },
              title: "N",
            },
            { type: "document", source: { type: "content", content: [{ type: "text", text: "chunk" }] } },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBER" } },
            {
              type: "search_result",
              source: "https://example.com",
              title: "Example",
              content: [{ type: "text", text: "Result text" }],
              citations: { enabled: true },
            },
            { type: "tool_reference", tool_name: "get_weather" },
            { type: "browser_state", tabs: [{ id: 1, title: "Home", active: true }] },
          ],
        }],
      },
    ],
  });
  assert.deepEqual(request.messages[2], {
    role: "user",
    content: [
      {
        type: "tool-result",
        toolCallId: "toolu_1",
        isError: false,
        content: [
          { type: "text", text: "N\n\nnotes" },
          { type: "text", text: "chunk" },
          { type: "text", text: "Search result: Example\nSource: https://example.com\n\nResult text" },
          { type: "text", text: "Tool reference: get_weather" },
          { type: "text", text: 'Browser state: {"tabs":[{"id":1,"title":"Home","active":true}]}' },
        ],
      },
      // A PDF cannot sit inside a canonical tool result: it follows it in the same turn.
      { type: "document", source: { kind: "base64", mediaType: "application/pdf", data: "JVBER" } },
    ],
  });
});

Deno.test("anthropicRequestToCanonical() translates search_result blocks and content-source documents", () => {
  const request = toCanonical({
    messages: [{
      role: "user",
      content: [
        { type: "search_result", source: "s", title: "T", content: [{ type: "text", text: "a" }] },
        {
          type: "document",
          title: "Chunks",
          source: {
            type: "content",
            content: [
              { type: "text", text: "one" },
              { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
              { type: "text", text: "two" },
            ],
          },
        },
        { type: "document", source: { type: "content", content: "plain" } },
      ],
    }],
  });
  assert.deepEqual(request.messages[0].content, [
    { type: "text", text: "Search result: T\nSource: s\n\na" },
    {
      type: "document",
      source: { kind: "text", mediaType: "text/plain", data: "one\n\ntwo" },
      title: "Chunks",
    },
    { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
    { type: "document", source: { kind: "text", mediaType: "text/plain", data: "plain" } },
  ]);
});

Deno.test("anthropicRequestToCanonical() drops server-tool history and container uploads", () => {
  const request = toCanonical({
    messages: [
      {
        role: "user",
        content: [{ type: "container_upload", file_id: "file_1" }, { type: "text", text: "Q" }],
      },
      {
        role: "assistant",
        content: [
          { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "q" } },
          {
            type: "web_search_tool_result",
            tool_use_id: "srvtoolu_1",
            content: [{
              type: "web_search_result",
              url: "https://e.com",
              title: "E",
              encrypted_content: "x",
            }],
          },
          { type: "code_execution_tool_result", tool_use_id: "srvtoolu_2", content: { type: "x" } },
          { type: "mcp_tool_use", id: "mcptoolu_1", name: "f", server_name: "srv", input: {} },
          { type: "mcp_tool_result", tool_use_id: "mcptoolu_1", content: "r" },
          { type: "text", text: "Answer" },
        ],
      },
      // Only server-tool blocks: the whole turn goes, and the user turns around it merge.
      {
        role: "assistant",
        content: [{ type: "server_tool_use", id: "srvtoolu_3", name: "web_fetch", input: {} }],
      },
      { role: "user", content: "Thanks" },
    ],
  });
  assert.deepEqual(request.messages, [
    { role: "user", content: [{ type: "text", text: "Q" }] },
    { role: "assistant", content: [{ type: "text", text: "Answer" }] },
    { role: "user", content: [{ type: "text", text: "Thanks" }] },
  ]);
});

Deno.test("messagesRequestSchema still refuses what cannot be translated, naming the field", () => {
  const withContent = (content: unknown) => ({ ...base, messages: [{ role: "user", content }] });
  assert.equal(
    problem(
      messagesRequestSchema,
      withContent([{ type: "document", source: { type: "file", file_id: "f" } }]),
    ),
    'messages.0.content.0.source.type: unsupported document source type "file" (expected text, base64, url, content)',
  );
  assert.equal(
    problem(messagesRequestSchema, withContent([{ type: "banana" }])),
    'messages.0.content.0.type: unsupported content block type "banana" ' +
      "(expected text, image, document, search_result, tool_use, tool_result, thinking, redacted_thinking)",
  );
  assert.equal(
    problem(messagesRequestSchema, withContent([{ type: "search_result", source: "s", content: [] }])),
    "messages.0.content.0.title: Field required",
  );
  assert.equal(
    problem(
      messagesRequestSchema,
      withContent([{ type: "tool_result", tool_use_id: "t", content: [{ type: "tool_reference" }] }]),
    ),
    "messages.0.content.0.content.0.tool_name: Field required",
  );
});

// ——— 5. Ranges ———

Deno.test("messagesRequestSchema checks the ranges of sampling fields in Anthropic's words", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ temperature: 1.5 }, "temperature: Input should be less than or equal to 1"],
    [{ temperature: -0.1 }, "temperature: Input should be greater than or equal to 0"],
    [{ top_p: 1.01 }, "top_p: Input should be less than or equal to 1"],
    [{ top_p: -1 }, "top_p: Input should be greater than or equal to 0"],
    [{ top_k: -1 }, "top_k: Input should be greater than or equal to 0"],
    [{ top_k: 2.5 }, "top_k: must be an integer"],
  ];
  for (const [fields, expected] of cases) {
    assert.equal(problem(messagesRequestSchema, { ...base, ...fields }), expected);
  }
  accepts(messagesRequestSchema, { ...base, temperature: 0, top_p: 1, top_k: 0 });
  accepts(messagesRequestSchema, { ...base, temperature: 1, top_p: 0 });
});

Deno.test("messagesRequestSchema checks an enabled thinking budget against 1024 and max_tokens", () => {
  assert.equal(
    problem(messagesRequestSchema, { ...base, thinking: { type: "enabled", budget_tokens: 512 } }),
    "thinking.budget_tokens: Input should be greater than or equal to 1024",
  );
  assert.equal(
    problem(messagesRequestSchema, {
      ...base,
      max_tokens: 2048,
      thinking: { type: "enabled", budget_tokens: 2048 },
    }),
    "max_tokens: must be greater than thinking.budget_tokens",
  );
  accepts(messagesRequestSchema, {
    ...base,
    max_tokens: 2049,
    thinking: { type: "enabled", budget_tokens: 2048 },
  });
  // With the interleaved-thinking beta the budget spans the turn and may exceed max_tokens.
  accepts(interleavedMessagesRequestSchema, {
    ...base,
    max_tokens: 300,
    thinking: { type: "enabled", budget_tokens: 1024 },
  });
  // Only `enabled` has a budget to check.
  accepts(messagesRequestSchema, { ...base, max_tokens: 10, thinking: { type: "adaptive" } });
  accepts(messagesRequestSchema, {
    ...base,
    max_tokens: 10,
    thinking: { type: "disabled", budget_tokens: 5 },
  });
});

Deno.test("messagesRequestSchema refuses empty content except in a final assistant turn", () => {
  const empty =
    "messages.0: all messages must have non-empty content except for the optional final assistant message";
  assert.equal(problem(messagesRequestSchema, { ...base, messages: [{ role: "user", content: "" }] }), empty);
  assert.equal(problem(messagesRequestSchema, { ...base, messages: [{ role: "user", content: [] }] }), empty);
  assert.equal(
    problem(messagesRequestSchema, {
      ...base,
      messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: [] }, {
        role: "user",
        content: "Hi",
      }],
    }),
    empty.replace("messages.0", "messages.1"),
  );
  assert.equal(
    problem(messagesRequestSchema, {
      ...base,
      messages: [{ role: "user", content: "Hi" }, { role: "system" }],
    }),
    empty.replace("messages.0", "messages.1"),
  );
  for (const content of ["", []]) {
    const messages = [{ role: "user", content: "Hi" }, { role: "assistant", content }];
    accepts(messagesRequestSchema, { ...base, messages });
    assert.deepEqual(toCanonical({ messages }).messages, [{
      role: "user",
      content: [{ type: "text", text: "Hi" }],
    }]);
  }
});

// ——— 6. Canonical → Anthropic ———

Deno.test("canonicalToAnthropicRequest() sends tool_choice only with tools", () => {
  const messages: CanonicalRequest["messages"] = [{ role: "user", content: [{ type: "text", text: "Hi" }] }];
  const none = canonicalToAnthropicRequest(canonical({ messages, toolChoice: { type: "none" } }));
  assert.equal("tool_choice" in none, false);
  const forced = canonicalToAnthropicRequest(
    canonical({ messages, toolChoice: { type: "any" }, reasoning: { enabled: true, budgetTokens: 2048 } }),
  );
  assert.equal("tool_choice" in forced, false);
  // With no tools, a forced choice means nothing and must not switch thinking off.
  assert.deepEqual(forced.thinking, { type: "enabled", budget_tokens: 2048 });
  const withTools = canonicalToAnthropicRequest(canonical({
    messages,
    tools: [{ name: "f", inputSchema: { type: "object" } }],
    toolChoice: { type: "auto" },
  }));
  assert.deepEqual(withTools.tool_choice, { type: "auto" });
});

Deno.test("canonicalToAnthropicRequest() sends temperature alone when top_p is also set", () => {
  const both = canonicalToAnthropicRequest(canonical({ temperature: 0.3, topP: 0.9 }));
  assert.equal(both.temperature, 0.3);
  assert.equal("top_p" in both, false);
  assert.equal(canonicalToAnthropicRequest(canonical({ topP: 0.9 })).top_p, 0.9);
});
