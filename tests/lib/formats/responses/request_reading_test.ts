import assert from "node:assert/strict";
import { readResponsesRequest } from "../../../../lib/formats/responses/request_reading.ts";
import { encryptedContentFor } from "../../../../lib/formats/responses/reasoning_carrier.ts";
import { assertRequestError } from "../../../helpers/canonical.ts";

Deno.test("readResponsesRequest() reads a Codex CLI turn: developer prompt, reasoning, calls and outputs", () => {
  const { request, dropped } = readResponsesRequest({
    model: "anthropic/claude",
    instructions: "Base instructions.",
    input: [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "Sandbox: read-only." }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "List files" }] },
      {
        type: "reasoning",
        summary: [{ type: "summary_text", text: "shown summary" }],
        content: null,
        encrypted_content: encryptedContentFor({ text: "exact thinking", signature: "sig-a" }),
      },
      { type: "function_call", name: "shell", arguments: '{"command":["ls"]}', call_id: "call_1" },
      { type: "function_call_output", call_id: "call_1", output: "a.txt" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "One file." }] },
    ],
    tools: [
      {
        type: "function",
        name: "shell",
        description: "Runs a command",
        strict: false,
        parameters: { type: "object" },
      },
      { type: "web_search" },
    ],
    tool_choice: "auto",
    parallel_tool_calls: false,
    reasoning: { effort: "high", summary: "auto" },
    store: false,
    include: ["reasoning.encrypted_content"],
    stream: true,
    prompt_cache_key: "session",
  }, "claude");
  assert.deepEqual(request.system, [
    { type: "text", text: "Base instructions." },
    { type: "text", text: "Sandbox: read-only." },
  ]);
  assert.deepEqual(request.messages, [
    { role: "user", content: [{ type: "text", text: "List files" }] },
    {
      role: "assistant",
      content: [
        { type: "reasoning", text: "exact thinking", signature: "sig-a" },
        { type: "tool-call", id: "call_1", name: "shell", input: { command: ["ls"] } },
      ],
    },
    {
      role: "user",
      content: [{
        type: "tool-result",
        toolCallId: "call_1",
        content: [{ type: "text", text: "a.txt" }],
        isError: false,
      }],
    },
    { role: "assistant", content: [{ type: "text", text: "One file." }] },
  ]);
  assert.deepEqual(request.tools, [{
    name: "shell",
    description: "Runs a command",
    inputSchema: { type: "object" },
  }]);
  assert.deepEqual(request.toolChoice, { type: "auto", parallel: false });
  assert.deepEqual(request.reasoning, { enabled: true, effort: "high" });
  assert.equal(request.stream, true);
  assert.deepEqual(dropped, ["web_search"]);
});

Deno.test("readResponsesRequest() keeps OpenAI's own encrypted_content as a Responses signature", () => {
  const { request } = readResponsesRequest({
    model: "m",
    input: [
      { role: "user", content: "hi" },
      { type: "reasoning", summary: [], encrypted_content: "gAAAA-openai" },
      { role: "assistant", content: "hello" },
    ],
  }, "m");
  assert.deepEqual(request.messages[1].content[0], {
    type: "reasoning",
    text: "",
    signature: "responses:gAAAA-openai",
  });
});

Deno.test("readResponsesRequest() reads a string input, images, files, structured output and limits", () => {
  const { request } = readResponsesRequest({
    model: "m",
    input: [{
      role: "user",
      content: [
        { type: "input_text", text: "Describe" },
        { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "auto" },
        { type: "input_file", filename: "a.pdf", file_data: "data:application/pdf;base64,JVBE" },
      ],
    }],
    text: { format: { type: "json_schema", name: "answer", schema: { type: "object" }, strict: true } },
    max_output_tokens: 99,
    temperature: 0.5,
    top_p: 0.9,
  }, "m");
  assert.deepEqual(request.messages[0].content, [
    { type: "text", text: "Describe" },
    { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAAA" } },
    {
      type: "document",
      source: { kind: "base64", mediaType: "application/pdf", data: "JVBE" },
      title: "a.pdf",
    },
  ]);
  assert.deepEqual(request.responseFormat, {
    type: "json_schema",
    name: "answer",
    schema: { type: "object" },
    strict: true,
  });
  assert.equal(request.maxTokens, 99);
  assert.equal(request.temperature, 0.5);
  assert.equal(request.topP, 0.9);
  assert.deepEqual(readResponsesRequest({ model: "m", input: "Hi", text: {} }, "m").request.messages, [
    { role: "user", content: [{ type: "text", text: "Hi" }] },
  ]);
});

Deno.test("readResponsesRequest() flattens functions of namespace tools and reads calls to them", () => {
  const { request, namespaces } = readResponsesRequest({
    model: "m",
    input: [
      { role: "user", content: "find 7" },
      { type: "function_call", namespace: "crm", name: "lookup", arguments: '{"id":7}', call_id: "c1" },
      { type: "function_call_output", call_id: "c1", output: [{ type: "input_text", text: "Ada" }] },
    ],
    tools: [{
      type: "namespace",
      name: "crm",
      description: "CRM",
      tools: [{ type: "function", name: "lookup", parameters: { type: "object" }, strict: null }],
    }],
    tool_choice: { type: "function", name: "lookup", namespace: "crm" },
  }, "m");
  assert.deepEqual(request.tools.map((tool) => tool.name), ["crm__lookup"]);
  assert.deepEqual(namespaces.get("crm__lookup"), { name: "lookup", namespace: "crm" });
  assert.deepEqual(request.messages[1].content[0], {
    type: "tool-call",
    id: "c1",
    name: "crm__lookup",
    input: { id: 7 },
  });
  assert.deepEqual(request.toolChoice, { type: "tool", name: "crm__lookup" });
});

Deno.test("readResponsesRequest() refuses unknown items, orphan outputs and bad roles with the path", () => {
  assertRequestError(
    () => readResponsesRequest({ model: "m", input: [{ type: "telepathy" }] }, "m"),
    "input.0.type: Invalid value: 'telepathy'. Supported values are: 'message', 'function_call', 'function_call_output', 'reasoning'.",
    "input.0.type",
  );
  assertRequestError(
    () =>
      readResponsesRequest({
        model: "m",
        input: [{ type: "function_call_output", call_id: "nope", output: "" }],
      }, "m"),
    "input.0.call_id: No tool call found for function call output with call_id nope.",
    "input.0.call_id",
  );
  assertRequestError(
    () => readResponsesRequest({ model: "m", input: [{ role: "tool", content: "x" }] }, "m"),
    "input.0.role: Invalid value: 'tool'. Supported values are: 'user', 'assistant', 'system', 'developer'.",
    "input.0.role",
  );
  assertRequestError(
    () =>
      readResponsesRequest(
        { model: "m", input: [{ role: "user", content: [{ type: "input_audio" }] }] },
        "m",
      ),
    "input.0.content.0.type: Invalid value: 'input_audio'. Supported values are: 'input_text', 'input_image', 'input_file', 'output_text' and 'refusal'.",
    "input.0.content.0.type",
  );
});

Deno.test("readResponsesRequest() drops history of OpenAI's built-in tools rather than refusing it", () => {
  const { request } = readResponsesRequest({
    model: "m",
    input: [
      { role: "user", content: "news?" },
      { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "news" } },
      { role: "assistant", content: "Nothing new." },
    ],
  }, "m");
  assert.equal(request.messages.length, 2);
});
