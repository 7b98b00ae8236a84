import assert from "node:assert/strict";
import { RequestError } from "../../../../lib/errors.ts";
import { isGeminiRequest, isGoogleClient, readGeminiPath } from "../../../../lib/server/handlers/gemini.ts";

Deno.test("readGeminiPath() reads model paths with slashes, with and without models/, under /v1beta and /v1", () => {
  assert.deepEqual(readGeminiPath("/v1beta/models/openai/gpt-4o:generateContent"), {
    model: "openai/gpt-4o",
    method: "generateContent",
  });
  assert.deepEqual(readGeminiPath("/v1/models/gemini-2.5-flash-lite:streamGenerateContent"), {
    model: "gemini-2.5-flash-lite",
    method: "streamGenerateContent",
  });
  // The AI SDK's Google provider leaves out `models/` for ids that hold a slash.
  assert.deepEqual(readGeminiPath("/v1beta/openrouter/anthropic/claude-3:countTokens"), {
    model: "openrouter/anthropic/claude-3",
    method: "countTokens",
  });
  assert.deepEqual(readGeminiPath("/v1beta/models/openai%2Ftext-embedding-3-small:batchEmbedContents"), {
    model: "openai/text-embedding-3-small",
    method: "batchEmbedContents",
  });
  // A model id may itself hold a colon; the method is what follows the last one.
  assert.deepEqual(readGeminiPath("/v1beta/models/ollama/qwen3:8b:generateContent"), {
    model: "ollama/qwen3:8b",
    method: "generateContent",
  });
});

Deno.test("readGeminiPath() leaves other paths alone and refuses a call that names no model", () => {
  assert.equal(readGeminiPath("/v1/chat/completions"), null);
  assert.equal(readGeminiPath("/v1beta/models/openai/gpt-4o:predict"), null);
  assert.throws(() => readGeminiPath("/v1beta/models/:generateContent"), RequestError);
  assert.throws(() => readGeminiPath("/v1beta/models/%E0%A4%A:generateContent"), RequestError);
});

Deno.test("isGoogleClient() tells Google's clients by how they send the key", () => {
  const request = (headers: Record<string, string>, query = "") =>
    new Request(`http://127.0.0.1/v1/models${query}`, { headers });
  assert.equal(isGoogleClient(request({ "x-goog-api-key": "k" })), true);
  assert.equal(isGoogleClient(request({}, "?key=k")), true);
  assert.equal(isGoogleClient(request({ authorization: "Bearer k" })), false);
  assert.equal(isGoogleClient(request({ "x-api-key": "k", "x-goog-api-key": "k" })), false);
  assert.equal(isGoogleClient(request({})), false);
});

Deno.test("isGeminiRequest() names the /v1 requests that Gemini's error shape answers", () => {
  const request = (path: string, method: string, headers: Record<string, string>) =>
    [path, new Request(`http://127.0.0.1${path}`, { method, headers })] as const;
  assert.equal(isGeminiRequest(...request("/v1/models/openai/gpt-4o:generateContent", "POST", {})), true);
  assert.equal(isGeminiRequest(...request("/v1/models", "GET", { "x-goog-api-key": "k" })), true);
  assert.equal(
    isGeminiRequest(...request("/v1/models/openai/gpt-4o", "GET", { "x-goog-api-key": "k" })),
    true,
  );
  assert.equal(isGeminiRequest(...request("/v1/models", "GET", { authorization: "Bearer k" })), false);
  assert.equal(isGeminiRequest(...request("/v1/chat/completions", "POST", { "x-goog-api-key": "k" })), false);
});
