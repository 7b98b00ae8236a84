import assert from "node:assert/strict";
import type { CanonicalResponse } from "../../../../lib/formats/canonical.ts";
import {
  canonicalToGeminiResponse,
  geminiResponseToCanonical,
} from "../../../../lib/formats/gemini/response.ts";

Deno.test("geminiResponseToCanonical() reads thoughts, signatures, text, calls, finish and usage", () => {
  const canonical = geminiResponseToCanonical({
    candidates: [{
      content: {
        role: "model",
        parts: [
          { text: "The user wants weather.", thought: true },
          { text: "Let me check.", thoughtSignature: "sig-text" },
          { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "sig-call" },
          { functionCall: { id: "fc_own", name: "get_time", args: {} } },
          { functionCall: { name: "ping" } },
          { inlineData: { mimeType: "image/png", data: "AAA=" } },
        ],
      },
      finishReason: "STOP",
      index: 0,
      safetyRatings: [],
    }],
    usageMetadata: {
      promptTokenCount: 1200,
      candidatesTokenCount: 40,
      cachedContentTokenCount: 1000,
      thoughtsTokenCount: 150,
      totalTokenCount: 1390,
    },
    modelVersion: "gemini-2.5-flash",
    responseId: "rid1",
  });
  const expected: CanonicalResponse = {
    id: "rid1",
    model: "gemini-2.5-flash",
    content: [
      { type: "reasoning", text: "The user wants weather." },
      { type: "reasoning", text: "", signature: "gemini:sig-text" },
      { type: "text", text: "Let me check." },
      { type: "reasoning", text: "", signature: "gemini:sig-call" },
      { type: "tool-call", id: "call_rid1_0", name: "get_weather", input: { city: "Paris" } },
      { type: "tool-call", id: "fc_own", name: "get_time", input: {} },
      { type: "tool-call", id: "call_rid1_2", name: "ping", input: {} },
    ],
    finish: { unified: "tool-calls", raw: "STOP" },
    usage: {
      inputTokens: 200,
      outputTokens: 190,
      cacheReadTokens: 1000,
      cacheCreationTokens: 0,
      reasoningTokens: 150,
    },
  };
  assert.deepEqual(canonical, expected);
});

Deno.test("geminiResponseToCanonical() maps each finish reason of the first candidate", () => {
  const answer = (finishReason: string, index = 0) =>
    geminiResponseToCanonical({
      candidates: [
        { content: { role: "model", parts: [{ text: "other" }] }, finishReason: "OTHER", index: 1 },
        { content: { role: "model", parts: [{ text: "x" }] }, finishReason, index },
      ],
      responseId: "r",
    });
  assert.deepEqual(answer("MAX_TOKENS").finish, { unified: "length", raw: "MAX_TOKENS" });
  assert.deepEqual(answer("RECITATION").finish, { unified: "content-filter", raw: "RECITATION" });
  assert.deepEqual(answer("STOP").content, [{ type: "text", text: "x" }]);
  // A candidate without `index` is the first one.
  const unindexed = geminiResponseToCanonical({ candidates: [{ content: { parts: [{ text: "y" }] } }] });
  assert.deepEqual(unindexed.content, [{ type: "text", text: "y" }]);
  assert.deepEqual(unindexed.finish, { unified: "other", raw: null });
  assert.match(unindexed.id, /^[0-9a-f]{32}$/);
  assert.equal(unindexed.model, "");
});

Deno.test("geminiResponseToCanonical() reads a blocked prompt as an empty content-filter answer", () => {
  assert.deepEqual(
    geminiResponseToCanonical({
      promptFeedback: { blockReason: "SAFETY", safetyRatings: [] },
      usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
      modelVersion: "gemini-2.0-flash",
      responseId: "blocked",
    }),
    {
      id: "blocked",
      model: "gemini-2.0-flash",
      content: [],
      finish: { unified: "content-filter", raw: "SAFETY" },
      usage: {
        inputTokens: 12,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
        reasoningTokens: 0,
      },
    },
  );
});

Deno.test("geminiResponseToCanonical() joins an array of stream chunks into one answer", () => {
  const canonical = geminiResponseToCanonical([
    {
      candidates: [{ content: { role: "model", parts: [{ text: "Hmm, ", thought: true }] }, index: 0 }],
      modelVersion: "gemini-2.5-pro",
      responseId: "arr",
    },
    {
      candidates: [{ content: { role: "model", parts: [{ text: "four.", thought: true }] }, index: 0 }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, thoughtsTokenCount: 3 },
    },
    { candidates: [{ content: { role: "model", parts: [{ text: "2 + 2 = " }] }, index: 0 }] },
    {
      candidates: [{ content: { role: "model", parts: [{ text: "4", thoughtSignature: "sig" }] }, index: 0 }],
    },
    {
      candidates: [{
        content: { role: "model", parts: [{ functionCall: { name: "f", args: { a: 1 } } }] },
        finishReason: "STOP",
        index: 0,
      }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 9, thoughtsTokenCount: 3 },
    },
  ]);
  assert.deepEqual(canonical, {
    id: "arr",
    model: "gemini-2.5-pro",
    content: [
      { type: "reasoning", text: "Hmm, four." },
      { type: "text", text: "2 + 2 = " },
      { type: "reasoning", text: "", signature: "gemini:sig" },
      { type: "text", text: "4" },
      { type: "tool-call", id: "call_arr_0", name: "f", input: { a: 1 } },
    ],
    finish: { unified: "tool-calls", raw: "STOP" },
    usage: {
      inputTokens: 5,
      outputTokens: 12,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 3,
    },
  });
});

Deno.test("geminiResponseToCanonical() throws on error bodies and answers without candidates", () => {
  assert.throws(
    () =>
      geminiResponseToCanonical({
        error: { code: 429, message: "Resource exhausted", status: "RESOURCE_EXHAUSTED" },
      }),
    { message: "The Gemini-format response is an error: Resource exhausted" },
  );
  assert.throws(() => geminiResponseToCanonical({ candidates: [] }), /holds no candidate/);
  assert.throws(() => geminiResponseToCanonical([]), /empty array/);
  assert.throws(
    () => geminiResponseToCanonical({ candidates: [{ content: { parts: [{ text: 42 }] } }] }),
    /malformed at candidates\.0\.content\.parts\.0\.text/,
  );
});

Deno.test("geminiResponseToCanonical() throws on MALFORMED_FUNCTION_CALL and UNEXPECTED_TOOL_CALL", () => {
  // Gemini's answer when the model wrote a call that does not parse: no content, only the reason.
  const malformed = {
    candidates: [{
      content: {},
      finishReason: "MALFORMED_FUNCTION_CALL",
      finishMessage: "Malformed function call: print(default_api.get_weather(city=Paris",
      index: 0,
    }],
    usageMetadata: { promptTokenCount: 50, totalTokenCount: 50 },
    modelVersion: "gemini-2.5-flash",
    responseId: "r",
  };
  assert.throws(() => geminiResponseToCanonical(malformed), {
    message:
      "Gemini stopped with finishReason MALFORMED_FUNCTION_CALL: Malformed function call: print(default_api.get_weather(city=Paris",
  });
  assert.throws(
    () =>
      geminiResponseToCanonical({
        candidates: [{ content: { role: "model", parts: [] }, finishReason: "UNEXPECTED_TOOL_CALL" }],
      }),
    { message: "Gemini stopped with finishReason UNEXPECTED_TOOL_CALL" },
  );
  // Joined stream chunks fail the same way.
  assert.throws(
    () =>
      geminiResponseToCanonical([
        { candidates: [{ content: { parts: [{ text: "Let me" }] } }] },
        { candidates: [{ finishReason: "MALFORMED_FUNCTION_CALL" }] },
      ]),
    /finishReason MALFORMED_FUNCTION_CALL/,
  );
});

Deno.test("canonicalToGeminiResponse() writes a candidate, usage, model and id", () => {
  const response: CanonicalResponse = {
    id: "resp-1",
    model: "gemini-2.5-flash",
    content: [
      { type: "reasoning", text: "Unsigned thought from elsewhere." },
      { type: "reasoning", text: "Signed.", signature: "gemini:s1" },
      { type: "text", text: "Calling." },
      { type: "reasoning", text: "", signature: "gemini:s2" },
      { type: "tool-call", id: "call_1", name: "f", input: { q: "x" } },
      { type: "redacted-reasoning", data: "opaque" },
    ],
    finish: { unified: "tool-calls", raw: "tool_use" },
    usage: {
      inputTokens: 200,
      outputTokens: 190,
      cacheReadTokens: 1000,
      cacheCreationTokens: 0,
      reasoningTokens: 150,
    },
  };
  assert.deepEqual(canonicalToGeminiResponse(response), {
    candidates: [{
      content: {
        role: "model",
        parts: [
          { text: "Unsigned thought from elsewhere.", thought: true },
          { text: "Signed.", thought: true, thoughtSignature: "s1" },
          { text: "Calling." },
          { functionCall: { name: "f", args: { q: "x" }, id: "call_1" }, thoughtSignature: "s2" },
        ],
      },
      finishReason: "STOP",
      index: 0,
    }],
    usageMetadata: {
      promptTokenCount: 1200,
      candidatesTokenCount: 40,
      totalTokenCount: 1390,
      cachedContentTokenCount: 1000,
      thoughtsTokenCount: 150,
    },
    modelVersion: "gemini-2.5-flash",
    responseId: "resp-1",
  });
});

Deno.test("canonicalToGeminiResponse() round-trips through geminiResponseToCanonical()", () => {
  for (
    const finish of [
      { unified: "stop", raw: "STOP" },
      { unified: "length", raw: "MAX_TOKENS" },
      { unified: "content-filter", raw: "PROHIBITED_CONTENT" },
    ] as const
  ) {
    const response: CanonicalResponse = {
      id: "r",
      model: "gemini-2.5-flash",
      content: [{ type: "reasoning", text: "", signature: "gemini:s" }, { type: "text", text: "Hi" }],
      finish,
      usage: {
        inputTokens: 3,
        outputTokens: 7,
        cacheReadTokens: 2,
        cacheCreationTokens: 0,
        reasoningTokens: 4,
      },
    };
    assert.deepEqual(geminiResponseToCanonical(canonicalToGeminiResponse(response)), response);
  }
});
