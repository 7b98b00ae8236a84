import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../../lib/formats/canonical.ts";
import {
  canonicalToOpenAIRequest,
  openAIRequestToCanonical,
} from "../../../../lib/formats/openai/request.ts";
import { assertRequestError, canonicalRequest } from "../../../helpers/canonical.ts";
const canonical = (overrides: Partial<CanonicalRequest> = {}) => canonicalRequest("gpt-4o", overrides);

Deno.test("openAIRequestToCanonical() moves system and developer messages into system", () => {
  const request = openAIRequestToCanonical({
    model: "openai/gpt-4o",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
      { role: "user", content: "Hi" },
    ],
  }, "gpt-4o");
  assert.deepEqual(request, {
    model: "gpt-4o",
    system: [{ type: "text", text: "Be brief." }, { type: "text", text: "Answer in French." }],
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    tools: [],
    stream: false,
  });
});

Deno.test("openAIRequestToCanonical() reads text and image parts; data URLs become base64", () => {
  const request = openAIRequestToCanonical({
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "low" } },
      ],
    }],
  }, "gpt-4o");
  assert.deepEqual(request.messages, [{
    role: "user",
    content: [
      { type: "text", text: "What is this?" },
      { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { kind: "url", url: "https://example.com/cat.jpg" } },
    ],
  }]);
});

Deno.test("openAIRequestToCanonical() refuses audio and file parts with a 400 naming the part", () => {
  const audio = { type: "input_audio", input_audio: { data: "UklGR", format: "wav" } };
  assertRequestError(
    () =>
      openAIRequestToCanonical({
        messages: [{ role: "user", content: [{ type: "text", text: "x" }, audio] }],
      }, "m"),
    'messages.0.content.1: content type "input_audio" cannot be translated for this provider',
    "messages.0.content.1",
  );
  const file = { type: "file", file: { file_id: "file-1" } };
  assertRequestError(
    () =>
      openAIRequestToCanonical({
        messages: [{ role: "system", content: "s" }, { role: "user", content: [file] }],
      }, "m"),
    'messages.1.content.0: content type "file" cannot be translated for this provider',
    "messages.1.content.0",
  );
});

Deno.test("openAIRequestToCanonical() reads assistant reasoning first, then text, then tool calls", () => {
  const request = openAIRequestToCanonical({
    messages: [
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "Let me check.",
        reasoning_content: "The user wants weather.",
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        }],
      },
      { role: "tool", tool_call_id: "call_1", content: "18°C" },
      { role: "user", content: "Thanks" },
    ],
  }, "deepseek-chat");
  assert.deepEqual(request.messages, [
    { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
    {
      role: "assistant",
      content: [
        { type: "reasoning", text: "The user wants weather." },
        { type: "text", text: "Let me check." },
        { type: "tool-call", id: "call_1", name: "get_weather", input: { city: "Paris" } },
      ],
    },
    {
      role: "user",
      content: [
        {
          type: "tool-result",
          toolCallId: "call_1",
          content: [{ type: "text", text: "18°C" }],
          isError: false,
        },
        { type: "text", text: "Thanks" },
      ],
    },
  ]);
});

Deno.test("openAIRequestToCanonical() merges parallel tool results into one user turn, results first", () => {
  const request = openAIRequestToCanonical({
    messages: [
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "a", type: "function", function: { name: "f", arguments: "{}" } },
          { id: "b", type: "function", function: { name: "g", arguments: "" } },
        ],
      },
      {
        role: "tool",
        tool_call_id: "a",
        content: [{ type: "text", text: "one" }, { type: "text", text: "two" }],
      },
      { role: "tool", tool_call_id: "b", content: "" },
      { role: "user", content: "next" },
      { role: "user", content: "and more" },
    ],
  }, "m");
  assert.deepEqual(request.messages, [
    {
      role: "assistant",
      content: [
        { type: "tool-call", id: "a", name: "f", input: {} },
        { type: "tool-call", id: "b", name: "g", input: {} },
      ],
    },
    {
      role: "user",
      content: [
        {
          type: "tool-result",
          toolCallId: "a",
          content: [{ type: "text", text: "one" }, { type: "text", text: "two" }],
          isError: false,
        },
        { type: "tool-result", toolCallId: "b", content: [], isError: false },
        { type: "text", text: "next" },
        { type: "text", text: "and more" },
      ],
    },
  ]);
});

Deno.test("openAIRequestToCanonical() rejects tool call arguments that are not JSON", () => {
  assertRequestError(
    () =>
      openAIRequestToCanonical({
        messages: [{
          role: "assistant",
          tool_calls: [
            { id: "a", type: "function", function: { name: "f", arguments: "{}" } },
            { id: "b", type: "function", function: { name: "f", arguments: "{city:" } },
          ],
        }],
      }, "m"),
    "messages.0.tool_calls.1.function.arguments: must be a string holding a JSON object",
    "messages.0.tool_calls.1.function.arguments",
  );
});

Deno.test("openAIRequestToCanonical() maps legacy function_call and function results to one id", () => {
  const request = openAIRequestToCanonical({
    messages: [
      { role: "user", content: "2+2?" },
      { role: "assistant", content: null, function_call: { name: "add", arguments: '{"a":2,"b":2}' } },
      { role: "function", name: "add", content: "4" },
    ],
  }, "m");
  assert.deepEqual(request.messages.slice(1), [
    { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "add", input: { a: 2, b: 2 } }] },
    {
      role: "user",
      content: [{
        type: "tool-result",
        toolCallId: "call_1",
        content: [{ type: "text", text: "4" }],
        isError: false,
      }],
    },
  ]);
});

Deno.test("openAIRequestToCanonical() reads tools, tool_choice and sampling settings", () => {
  const request = openAIRequestToCanonical({
    messages: [{ role: "user", content: "hi" }],
    tools: [
      {
        type: "function",
        function: { name: "get_weather", description: "Weather", parameters: { type: "object" } },
      },
      { type: "function", function: { name: "ping" } },
    ],
    tool_choice: { type: "function", function: { name: "get_weather" } },
    parallel_tool_calls: false,
    max_tokens: 100,
    max_completion_tokens: 200,
    stop: "END",
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    user: "user-7",
    reasoning_effort: "low",
    stream: true,
  }, "o4-mini");
  assert.deepEqual({ ...request, messages: [] }, {
    model: "o4-mini",
    system: [],
    messages: [],
    tools: [
      { name: "get_weather", description: "Weather", inputSchema: { type: "object" } },
      { name: "ping", inputSchema: { type: "object", properties: {} } },
    ],
    toolChoice: { type: "tool", name: "get_weather", parallel: false },
    maxTokens: 200,
    temperature: 0.2,
    topP: 0.9,
    topK: 40,
    stopSequences: ["END"],
    stream: true,
    reasoning: { enabled: true, effort: "low" },
    user: "user-7",
  });
});

Deno.test("openAIRequestToCanonical() maps each tool_choice string and parallel_tool_calls alone", () => {
  const choice = (body: Record<string, unknown>) =>
    openAIRequestToCanonical({ messages: [{ role: "user", content: "x" }], ...body }, "m").toolChoice;
  assert.deepEqual(choice({ tool_choice: "auto" }), { type: "auto" });
  assert.deepEqual(choice({ tool_choice: "none" }), { type: "none" });
  assert.deepEqual(choice({ tool_choice: "required" }), { type: "any" });
  assert.deepEqual(choice({ parallel_tool_calls: false }), { type: "auto", parallel: false });
  assert.deepEqual(choice({ parallel_tool_calls: true }), undefined);
  assert.deepEqual(choice({ max_tokens: 5, stop: ["a", "b"] }), undefined);
  const request = openAIRequestToCanonical({ messages: [], max_tokens: 5, stop: ["a", "b"] }, "m");
  assert.equal(request.maxTokens, 5);
  assert.deepEqual(request.stopSequences, ["a", "b"]);
});

Deno.test("openAIRequestToCanonical() refuses tools that are not functions", () => {
  assertRequestError(
    () => openAIRequestToCanonical({ messages: [], tools: [{ type: "custom", custom: { name: "x" } }] }, "m"),
    'tools.0.type: only tools of type "function" can be translated for this provider',
    "tools.0.type",
  );
});

Deno.test("canonicalToOpenAIRequest() writes system, user text and images", () => {
  const body = canonicalToOpenAIRequest(canonical({
    system: [{ type: "text", text: "Be brief." }, { type: "text", text: "Be kind." }],
    messages: [
      { role: "user", content: [{ type: "text", text: "Hi" }] },
      { role: "assistant", content: [{ type: "reasoning", text: "hmm" }, { type: "text", text: "Hello" }] },
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image", source: { kind: "base64", mediaType: "image/jpeg", data: "/9j/4AAQ" } },
          { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
        ],
      },
    ],
  }));
  assert.deepEqual(body, {
    model: "gpt-4o",
    messages: [
      { role: "system", content: "Be brief.\n\nBe kind." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello", reasoning_content: "hmm" },
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        ],
      },
    ],
  });
});

Deno.test("canonicalToOpenAIRequest() writes text documents as tagged text and PDFs as file parts", () => {
  const body = canonicalToOpenAIRequest(canonical({
    messages: [{
      role: "user",
      content: [
        {
          type: "document",
          source: { kind: "text", mediaType: "text/plain", data: "Q3 revenue grew." },
          title: "Q3",
        },
        { type: "document", source: { kind: "text", mediaType: "text/plain", data: "Notes" } },
      ],
    }],
  }));
  assert.deepEqual(body.messages, [{
    role: "user",
    content: [
      { type: "text", text: '<document title="Q3">Q3 revenue grew.</document>' },
      { type: "text", text: "<document>Notes</document>" },
    ],
  }]);
  const pdf = {
    type: "document",
    source: { kind: "base64", mediaType: "application/pdf", data: "JVBER" },
  } as const;
  const withPdf = canonicalToOpenAIRequest(
    canonical({ messages: [{ role: "user", content: [{ type: "text", text: "x" }, pdf] }] }),
  );
  assert.deepEqual(withPdf.messages, [{
    role: "user",
    content: [
      { type: "text", text: "x" },
      { type: "file", file: { filename: "document.pdf", file_data: "data:application/pdf;base64,JVBER" } },
    ],
  }]);
});

Deno.test("canonicalToOpenAIRequest() writes tool calls and emits tool results before the user text", () => {
  const body = canonicalToOpenAIRequest(canonical({
    messages: [
      {
        role: "assistant",
        content: [
          { type: "redacted-reasoning", data: "xx" },
          { type: "tool-call", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool-call", id: "toolu_2", name: "screenshot", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "text", text: "Both done?" },
          {
            type: "tool-result",
            toolCallId: "toolu_1",
            content: [{ type: "text", text: "Unknown city" }],
            isError: true,
          },
          {
            type: "tool-result",
            toolCallId: "toolu_2",
            content: [
              { type: "text", text: "Here" },
              { type: "text", text: "it is" },
              { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBO" } },
            ],
            isError: false,
          },
        ],
      },
    ],
  }));
  assert.deepEqual(body.messages, [
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "toolu_2", type: "function", function: { name: "screenshot", arguments: "{}" } },
      ],
    },
    { role: "tool", tool_call_id: "toolu_1", content: "Error: Unknown city" },
    { role: "tool", tool_call_id: "toolu_2", content: "Here\nit is" },
    { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } }] },
    { role: "user", content: "Both done?" },
  ]);
});

Deno.test("canonicalToOpenAIRequest() does not prefix an error result that already says Error:", () => {
  const body = canonicalToOpenAIRequest(canonical({
    messages: [{
      role: "user",
      content: [{
        type: "tool-result",
        toolCallId: "t",
        content: [{ type: "text", text: "Error: boom" }],
        isError: true,
      }],
    }],
  }));
  assert.deepEqual(body.messages, [{ role: "tool", tool_call_id: "t", content: "Error: boom" }]);
});

Deno.test("canonicalToOpenAIRequest() writes tools, tool choice, settings and streaming", () => {
  const body = canonicalToOpenAIRequest(canonical({
    model: "gpt-4.1",
    messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    tools: [
      {
        name: "get_weather",
        description: "Weather by city",
        inputSchema: {
          $schema: "http://json-schema.org/draft-07/schema#",
          type: "object",
          required: ["city"],
        },
      },
      { name: "ping", inputSchema: { type: "object", properties: {} } },
    ],
    toolChoice: { type: "any", parallel: false },
    maxTokens: 512,
    stopSequences: ["END"],
    temperature: 0.5,
    topP: 0.8,
    topK: 20,
    user: "u-1",
    reasoning: { enabled: true, effort: "high" },
    stream: true,
  }));
  assert.deepEqual(body, {
    model: "gpt-4.1",
    messages: [{ role: "user", content: "hi" }],
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather by city",
          parameters: { type: "object", required: ["city"] },
        },
      },
      { type: "function", function: { name: "ping", parameters: { type: "object", properties: {} } } },
    ],
    tool_choice: "required",
    parallel_tool_calls: false,
    max_tokens: 512,
    stop: ["END"],
    temperature: 0.5,
    top_p: 0.8,
    user: "u-1",
    reasoning_effort: "high",
    stream: true,
    stream_options: { include_usage: true },
  });
});

Deno.test("canonicalToOpenAIRequest() maps every tool choice", () => {
  const tools = [{ name: "f", inputSchema: { type: "object" } }];
  const choice = (toolChoice: CanonicalRequest["toolChoice"]) => {
    const body = canonicalToOpenAIRequest(canonical({ toolChoice, tools }));
    return [body.tool_choice, body.parallel_tool_calls];
  };
  // Without tools there is nothing to choose: OpenAI refuses tool_choice and parallel_tool_calls then.
  const bare = canonicalToOpenAIRequest(canonical({ toolChoice: { type: "any", parallel: false } }));
  assert.equal("tool_choice" in bare || "parallel_tool_calls" in bare, false);
  assert.deepEqual(choice({ type: "auto" }), ["auto", undefined]);
  assert.deepEqual(choice({ type: "none" }), ["none", undefined]);
  assert.deepEqual(choice({ type: "any" }), ["required", undefined]);
  assert.deepEqual(choice({ type: "tool", name: "f", parallel: false }), [
    { type: "function", function: { name: "f" } },
    false,
  ]);
});

Deno.test("canonicalToOpenAIRequest() derives reasoning_effort from a thinking budget", () => {
  const effort = (reasoning: CanonicalRequest["reasoning"]) =>
    canonicalToOpenAIRequest(canonical({ reasoning })).reasoning_effort;
  assert.equal(effort({ enabled: true, budgetTokens: 1024 }), "low");
  assert.equal(effort({ enabled: true, budgetTokens: 1025 }), "medium");
  assert.equal(effort({ enabled: true, budgetTokens: 8192 }), "medium");
  assert.equal(effort({ enabled: true, budgetTokens: 16000 }), "high");
  assert.equal(effort({ enabled: false, budgetTokens: 16000 }), undefined);
  assert.equal(effort({ enabled: true, effort: "minimal", budgetTokens: 16000 }), "minimal");
});

Deno.test("canonicalToOpenAIRequest() and openAIRequestToCanonical() round-trip a tool conversation", () => {
  const original = canonical({
    system: [{ type: "text", text: "sys" }],
    messages: [
      { role: "user", content: [{ type: "text", text: "q" }] },
      { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "f", input: { x: [1, 2] } }] },
      {
        role: "user",
        content: [
          { type: "tool-result", toolCallId: "c1", content: [{ type: "text", text: "r" }], isError: false },
          { type: "text", text: "go on" },
        ],
      },
    ],
    tools: [{ name: "f", description: "d", inputSchema: { type: "object", properties: {} } }],
    toolChoice: { type: "auto" },
    maxTokens: 10,
  });
  assert.deepEqual(openAIRequestToCanonical(canonicalToOpenAIRequest(original), "gpt-4o"), original);
});

Deno.test("canonicalToOpenAIRequest() never sends top_k and hashes a user id longer than 64 characters", () => {
  const body = canonicalToOpenAIRequest(canonical({ topK: 5, user: "user_" + "a".repeat(150) }));
  assert.equal("top_k" in body, false);
  assert.match(String(body.user), /^user-[0-9a-f]{40}$/);
  assert.equal(canonicalToOpenAIRequest(canonical({ user: "short" })).user, "short");
});
