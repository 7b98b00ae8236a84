import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../../lib/formats/canonical.ts";
import { RequestError } from "../../../../lib/errors.ts";
import {
  canonicalToGeminiRequest,
  geminiRequestToCanonical,
} from "../../../../lib/formats/gemini/request.ts";

Deno.test("geminiRequestToCanonical() reads contents, system, tools, tool config and generation config", () => {
  const canonical = geminiRequestToCanonical({
    systemInstruction: { parts: [{ text: "Be brief." }] },
    contents: [
      {
        role: "user",
        parts: [
          { text: "What is in this picture, and the weather?" },
          { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } },
          {
            fileData: {
              mimeType: "application/pdf",
              fileUri: "https://generativelanguage.googleapis.com/v1beta/files/f1",
            },
          },
        ],
      },
      {
        role: "model",
        parts: [
          { text: "Thinking it over.", thought: true, thoughtSignature: "sig-1" },
          { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "sig-2" },
          { functionCall: { id: "fc_9", name: "get_time", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { id: "fc_9", name: "get_time", response: { output: { time: "14:05" } } } },
          { functionResponse: { name: "get_weather", response: { error: "Station offline" } } },
        ],
      },
    ],
    tools: [
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Weather",
            parameters: {
              type: "OBJECT",
              properties: { city: { type: "STRING" }, days: { type: "INTEGER", nullable: true } },
              required: ["city"],
            },
          },
          { name: "get_time" },
        ],
      },
      { googleSearch: {} },
    ],
    toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
    generationConfig: {
      maxOutputTokens: 1000,
      temperature: 0.5,
      topP: 0.95,
      topK: 64,
      stopSequences: ["STOP!"],
      candidateCount: 1,
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
    },
  }, "gemini-2.5-pro");
  const expected: CanonicalRequest = {
    model: "gemini-2.5-pro",
    system: [{ type: "text", text: "Be brief." }],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this picture, and the weather?" },
          { type: "image", source: { kind: "base64", mediaType: "image/jpeg", data: "/9j/4AAQ" } },
          {
            type: "document",
            source: { kind: "url", url: "https://generativelanguage.googleapis.com/v1beta/files/f1" },
          },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "Thinking it over.", signature: "gemini:sig-1" },
          { type: "reasoning", text: "", signature: "gemini:sig-2" },
          { type: "tool-call", id: "call_0", name: "get_weather", input: { city: "Paris" } },
          { type: "tool-call", id: "fc_9", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool-result",
            toolCallId: "fc_9",
            content: [{ type: "text", text: '{"time":"14:05"}' }],
            isError: false,
          },
          {
            type: "tool-result",
            toolCallId: "call_0",
            content: [{ type: "text", text: "Station offline" }],
            isError: true,
          },
        ],
      },
    ],
    tools: [
      {
        name: "get_weather",
        description: "Weather",
        inputSchema: {
          type: "object",
          properties: { city: { type: "string" }, days: { type: ["integer", "null"] } },
          required: ["city"],
        },
      },
      { name: "get_time", inputSchema: { type: "object", properties: {} } },
    ],
    toolChoice: { type: "tool", name: "get_weather" },
    maxTokens: 1000,
    temperature: 0.5,
    topP: 0.95,
    topK: 64,
    stopSequences: ["STOP!"],
    stream: false,
    reasoning: { enabled: true, budgetTokens: 2048 },
  };
  assert.deepEqual(canonical, expected);
});

Deno.test("geminiRequestToCanonical() reads thinking levels, budgets and tool modes", () => {
  const read = (generationConfig: unknown, toolConfig?: unknown) =>
    geminiRequestToCanonical({ contents: [], generationConfig, toolConfig }, "m");
  assert.deepEqual(read({ thinkingConfig: { thinkingBudget: 0 } }).reasoning, { enabled: false });
  assert.deepEqual(read({ thinkingConfig: { thinkingBudget: -1 } }).reasoning, { enabled: true });
  assert.deepEqual(read({ thinkingConfig: { thinkingLevel: "LOW" } }).reasoning, {
    enabled: true,
    effort: "low",
  });
  assert.equal(read({ thinkingConfig: { includeThoughts: false } }).reasoning, undefined);
  assert.deepEqual(read({}, { functionCallingConfig: { mode: "AUTO" } }).toolChoice, { type: "auto" });
  assert.deepEqual(read({}, { functionCallingConfig: { mode: "ANY" } }).toolChoice, { type: "any" });
  assert.deepEqual(read({}, { functionCallingConfig: { mode: "NONE" } }).toolChoice, { type: "none" });
  assert.equal(read({}, {}).toolChoice, undefined);
});

Deno.test("geminiRequestToCanonical() answers 400 for what it cannot read", () => {
  const read = (body: Record<string, unknown>) => () => geminiRequestToCanonical(body, "m");
  assert.throws(read({}), { name: "RequestError", status: 400, param: "contents" });
  assert.throws(read({ contents: [{ role: "system", parts: [] }] }), { param: "contents.0.role" });
  assert.throws(
    read({ contents: [{ role: "model", parts: [{ executableCode: { language: "PYTHON", code: "1" } }] }] }),
    { message: 'contents.0.parts.0: a "executableCode" part cannot be translated for this provider' },
  );
  assert.throws(
    read({ contents: [{ role: "user", parts: [{ functionResponse: { name: "f", response: {} } }] }] }),
    RequestError,
  );
});

Deno.test("geminiRequestToCanonical() undoes canonicalToGeminiRequest()", () => {
  const original: CanonicalRequest = {
    model: "gemini-3-flash-preview",
    system: [{ type: "text", text: "Sys" }],
    messages: [
      { role: "user", content: [{ type: "text", text: "Hi" }] },
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "Why not.", signature: "gemini:s1" },
          { type: "reasoning", text: "", signature: "gemini:s2" },
          { type: "tool-call", id: "call_a", name: "f", input: { x: 1 } },
        ],
      },
      {
        role: "user",
        content: [{
          type: "tool-result",
          toolCallId: "call_a",
          content: [{ type: "text", text: "ok" }],
          isError: false,
        }],
      },
      {
        role: "assistant",
        content: [{ type: "text", text: "Done" }, { type: "reasoning", text: "", signature: "gemini:s3" }],
      },
    ],
    tools: [{
      name: "f",
      description: "F",
      inputSchema: { type: "object", properties: { x: { type: "integer" } } },
    }],
    toolChoice: { type: "auto" },
    maxTokens: 100,
    stopSequences: ["x"],
    stream: false,
    reasoning: { enabled: true, budgetTokens: 512 },
  };
  assert.deepEqual(geminiRequestToCanonical(canonicalToGeminiRequest(original), original.model), original);
});
