import assert from "node:assert/strict";
import type { CanonicalMessage, CanonicalRequest } from "../../../../lib/formats/canonical.ts";
import { RequestError } from "../../../../lib/errors.ts";
import { canonicalToGeminiRequest } from "../../../../lib/formats/gemini/request.ts";

function request(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return { model: "gemini-2.5-flash", system: [], messages: [], tools: [], stream: false, ...overrides };
}

function contents(messages: CanonicalMessage[], model = "gemini-2.5-flash"): unknown {
  return canonicalToGeminiRequest(request({ model, messages })).contents;
}

Deno.test("canonicalToGeminiRequest() maps system, roles and text, merging turns of one role", () => {
  const body = canonicalToGeminiRequest(request({
    system: [{ type: "text", text: "Be brief." }, { type: "text", text: "" }, {
      type: "text",
      text: "Use SI.",
    }],
    messages: [
      { role: "user", content: [{ type: "text", text: "Hi" }] },
      { role: "user", content: [{ type: "text", text: "" }, { type: "text", text: "Anyone?" }] },
      { role: "assistant", content: [{ type: "text", text: "Hello!" }] },
      { role: "user", content: [{ type: "text", text: "Thanks" }] },
    ],
    stream: true,
    user: "user-1",
  }));
  assert.deepEqual(body, {
    systemInstruction: { parts: [{ text: "Be brief." }, { text: "Use SI." }] },
    contents: [
      { role: "user", parts: [{ text: "Hi" }, { text: "Anyone?" }] },
      { role: "model", parts: [{ text: "Hello!" }] },
      { role: "user", parts: [{ text: "Thanks" }] },
    ],
  });
});

Deno.test("canonicalToGeminiRequest() maps images and documents to inlineData, fileData or text", () => {
  assert.deepEqual(
    contents([{
      role: "user",
      content: [
        { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" } },
        { type: "image", source: { kind: "url", url: "https://example.com/cat.PNG?size=2" } },
        {
          type: "image",
          source: { kind: "url", url: "https://generativelanguage.googleapis.com/v1beta/files/abc" },
        },
        {
          type: "document",
          source: { kind: "text", mediaType: "text/plain", data: "Q3 notes" },
          title: 'Q3 "final"',
        },
        { type: "document", source: { kind: "text", mediaType: "text/plain", data: "untitled" } },
        { type: "document", source: { kind: "base64", mediaType: "application/pdf", data: "JVBERi0x" } },
        { type: "document", source: { kind: "url", url: "https://example.com/report.pdf" } },
        { type: "document", source: { kind: "url", url: "https://example.com/notes.md" } },
      ],
    }]),
    [{
      role: "user",
      parts: [
        { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
        { fileData: { mimeType: "image/png", fileUri: "https://example.com/cat.PNG?size=2" } },
        {
          fileData: {
            mimeType: "image/jpeg",
            fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc",
          },
        },
        { text: '<document title="Q3 &quot;final&quot;">Q3 notes</document>' },
        { text: "<document>untitled</document>" },
        { inlineData: { mimeType: "application/pdf", data: "JVBERi0x" } },
        { fileData: { mimeType: "application/pdf", fileUri: "https://example.com/report.pdf" } },
        { fileData: { mimeType: "text/markdown", fileUri: "https://example.com/notes.md" } },
      ],
    }],
  );
});

Deno.test("canonicalToGeminiRequest() pairs tool results with their calls by id and names them", () => {
  assert.deepEqual(
    contents([
      { role: "user", content: [{ type: "text", text: "Weather and time in Paris?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool-call", id: "call_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool-call", id: "call_2", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "text", text: "(and be quick)" },
          {
            type: "tool-result",
            toolCallId: "call_2",
            content: [{ type: "text", text: "14:05" }],
            isError: false,
          },
          {
            type: "tool-result",
            toolCallId: "call_1",
            content: [
              { type: "text", text: "Station offline" },
              { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAA=" } },
            ],
            isError: true,
          },
        ],
      },
    ]),
    [
      { role: "user", parts: [{ text: "Weather and time in Paris?" }] },
      {
        role: "model",
        parts: [
          { text: "Checking." },
          { functionCall: { name: "get_weather", args: { city: "Paris" }, id: "call_1" } },
          { functionCall: { name: "get_time", args: {}, id: "call_2" } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_time", response: { content: "14:05" }, id: "call_2" } },
          { functionResponse: { name: "get_weather", response: { error: "Station offline" }, id: "call_1" } },
          { text: "(and be quick)" },
          { inlineData: { mimeType: "image/png", data: "AAA=" } },
        ],
      },
    ],
  );
});

Deno.test("canonicalToGeminiRequest() rejects a tool result whose call id never appeared with a 400", () => {
  const body = (messages: CanonicalMessage[]) => () => canonicalToGeminiRequest(request({ messages }));
  assert.throws(
    body([
      { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool-result", toolCallId: "call_9", content: [], isError: false }] },
    ]),
    {
      name: "RequestError",
      status: 400,
      param: "messages.1.content.0.toolCallId",
      message: 'messages.1.content.0.toolCallId: no earlier tool call has the id "call_9"',
    },
  );
  // The call must come earlier in the conversation, not later.
  assert.throws(
    body([
      { role: "user", content: [{ type: "tool-result", toolCallId: "call_1", content: [], isError: false }] },
      { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "f", input: {} }] },
    ]),
    RequestError,
  );
});

Deno.test("canonicalToGeminiRequest() sends signed thoughts back and puts lone signatures on the next part", () => {
  assert.deepEqual(
    contents([{
      role: "assistant",
      content: [
        { type: "reasoning", text: "Plan the call.", signature: "gemini:sig-thought" },
        { type: "reasoning", text: "Unsigned musing from another provider." },
        { type: "redacted-reasoning", data: "opaque" },
        { type: "reasoning", text: "", signature: "gemini:sig-call" },
        { type: "tool-call", id: "call_1", name: "lookup", input: { q: "x" } },
        { type: "tool-call", id: "call_2", name: "lookup", input: { q: "y" } },
        { type: "text", text: "Done." },
        { type: "reasoning", text: "", signature: "gemini:sig-tail" },
      ],
    }]),
    [{
      role: "model",
      parts: [
        { text: "Plan the call.", thought: true, thoughtSignature: "sig-thought" },
        { functionCall: { name: "lookup", args: { q: "x" }, id: "call_1" }, thoughtSignature: "sig-call" },
        { functionCall: { name: "lookup", args: { q: "y" }, id: "call_2" } },
        { text: "Done." },
        { text: "", thoughtSignature: "sig-tail" },
      ],
    }],
  );
});

Deno.test("canonicalToGeminiRequest() signs unsigned function calls for Gemini 3 only", () => {
  const history: CanonicalMessage[] = [
    { role: "user", content: [{ type: "text", text: "Go" }] },
    {
      role: "assistant",
      content: [
        { type: "tool-call", id: "a", name: "f", input: {} },
        { type: "tool-call", id: "b", name: "f", input: {} },
      ],
    },
    { role: "user", content: [{ type: "tool-result", toolCallId: "a", content: [], isError: false }] },
  ];
  const modelTurn = (model: string) => (contents(history, model) as Array<{ parts: unknown[] }>)[1].parts;
  assert.deepEqual(modelTurn("gemini-3-pro-preview"), [
    { functionCall: { name: "f", args: {}, id: "a" }, thoughtSignature: "skip_thought_signature_validator" },
    { functionCall: { name: "f", args: {}, id: "b" } },
  ]);
  assert.deepEqual(modelTurn("models/gemini-2.5-pro"), [
    { functionCall: { name: "f", args: {}, id: "a" } },
    { functionCall: { name: "f", args: {}, id: "b" } },
  ]);
});

Deno.test("canonicalToGeminiRequest() declares tools with cleaned schemas and maps every tool choice", () => {
  const tools = [
    {
      name: "get_weather",
      description: "Current weather",
      inputSchema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: { city: { type: "string" }, unit: { enum: ["c", "f"], default: "c" } },
        required: ["city"],
        additionalProperties: false,
      },
    },
    { name: "ping", inputSchema: { type: "object", properties: {}, additionalProperties: false } },
  ];
  const declarations = [
    {
      name: "get_weather",
      description: "Current weather",
      parameters: {
        type: "object",
        properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
        required: ["city"],
      },
    },
    { name: "ping" },
  ];
  const choices: Array<[CanonicalRequest["toolChoice"], unknown]> = [
    [undefined, undefined],
    [{ type: "auto", parallel: false }, { functionCallingConfig: { mode: "AUTO" } }],
    [{ type: "any" }, { functionCallingConfig: { mode: "ANY" } }],
    [{ type: "tool", name: "ping" }, {
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["ping"] },
    }],
    [{ type: "none" }, { functionCallingConfig: { mode: "NONE" } }],
  ];
  for (const [toolChoice, toolConfig] of choices) {
    const body = canonicalToGeminiRequest(request({ tools, toolChoice }));
    assert.deepEqual(body.tools, [{ functionDeclarations: declarations }]);
    assert.deepEqual(body.toolConfig, toolConfig, JSON.stringify(toolChoice));
  }
  // Without tools there is nothing to configure.
  assert.equal(canonicalToGeminiRequest(request({ toolChoice: { type: "none" } })).toolConfig, undefined);
});

Deno.test("canonicalToGeminiRequest() fills generationConfig and thinkingConfig", () => {
  assert.deepEqual(
    canonicalToGeminiRequest(request({
      maxTokens: 2048,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ["END"],
      reasoning: { enabled: true, budgetTokens: 4000 },
    })).generationConfig,
    {
      maxOutputTokens: 2048,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ["END"],
      thinkingConfig: { includeThoughts: true, thinkingBudget: 4000 },
    },
  );
  const thinking = (reasoning: CanonicalRequest["reasoning"]) =>
    (canonicalToGeminiRequest(request({ reasoning, stopSequences: [] })).generationConfig as
      | { thinkingConfig?: unknown }
      | undefined)?.thinkingConfig;
  assert.deepEqual(thinking({ enabled: true, effort: "low" }), {
    includeThoughts: true,
    thinkingBudget: 1024,
  });
  assert.deepEqual(thinking({ enabled: true, effort: "medium" }), {
    includeThoughts: true,
    thinkingBudget: 8192,
  });
  assert.deepEqual(thinking({ enabled: true, effort: "high" }), {
    includeThoughts: true,
    thinkingBudget: 24576,
  });
  assert.deepEqual(thinking({ enabled: true, effort: "minimal" }), { thinkingBudget: 0 });
  assert.deepEqual(thinking({ enabled: true }), { includeThoughts: true });
  assert.deepEqual(thinking({ enabled: false, budgetTokens: 5000 }), { thinkingBudget: 0 });
  assert.equal(thinking(undefined), undefined);
  assert.equal(canonicalToGeminiRequest(request()).generationConfig, undefined);
});
