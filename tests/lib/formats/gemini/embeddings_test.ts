import assert from "node:assert/strict";
import { RequestError } from "../../../../lib/errors.ts";
import {
  batchEmbedContentsInputs,
  embedContentInputs,
  GEMINI_EMBED_BATCH_LIMIT,
  geminiBatchEmbedContentsSchema,
  geminiBatchEmbedRequest,
  geminiEmbedContentSchema,
  geminiEmbeddingsToResult,
  resultToGeminiEmbeddings,
} from "../../../../lib/formats/gemini/embeddings.ts";

Deno.test("geminiBatchEmbedRequest() names the model on every request and sets outputDimensionality", () => {
  assert.deepEqual(
    geminiBatchEmbedRequest(["hello", "world"], { model: "gemini-embedding-001", dimensions: 768 }),
    {
      requests: [
        {
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "hello" }] },
          outputDimensionality: 768,
        },
        {
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "world" }] },
          outputDimensionality: 768,
        },
      ],
    },
  );
});

Deno.test("geminiBatchEmbedRequest() leaves out outputDimensionality and keeps a models/ prefix", () => {
  assert.deepEqual(geminiBatchEmbedRequest(["a"], { model: "models/text-embedding-004" }), {
    requests: [{ model: "models/text-embedding-004", content: { parts: [{ text: "a" }] } }],
  });
});

Deno.test("geminiBatchEmbedRequest() refuses token arrays with a 400", () => {
  assert.throws(
    () => geminiBatchEmbedRequest(["a", [1, 2]], { model: "gemini-embedding-001" }),
    (error: unknown) =>
      error instanceof RequestError && error.status === 400 && error.param === "input" &&
      /text only/.test(error.message),
  );
});

Deno.test("geminiBatchEmbedRequest() refuses more than 100 inputs with a 400", () => {
  assert.equal(GEMINI_EMBED_BATCH_LIMIT, 100);
  const hundred = Array.from({ length: 100 }, (_, index) => `t${index}`);
  const body = geminiBatchEmbedRequest(hundred, { model: "m" }) as { requests: unknown[] };
  assert.equal(body.requests.length, 100);
  assert.throws(
    () => geminiBatchEmbedRequest([...hundred, "one more"], { model: "m" }),
    (error: unknown) =>
      error instanceof RequestError && error.status === 400 && /at most 100/.test(error.message),
  );
});

Deno.test("geminiEmbeddingsToResult() keeps order and estimates tokens as ceil(chars / 4)", () => {
  const result = geminiEmbeddingsToResult(
    { embeddings: [{ values: [0.1, 0.2] }, { values: [0.3, 0.4] }, { values: [0.5, 0.6] }] },
    { model: "gemini-embedding-001", inputs: ["abcde", "abcd", "a"] },
  );
  assert.deepEqual(result, {
    vectors: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
    model: "gemini-embedding-001",
    promptTokens: 2 + 1 + 1,
  });
});

Deno.test("geminiEmbeddingsToResult() throws a clear Error on a malformed body or a wrong count", () => {
  assert.throws(
    () => geminiEmbeddingsToResult({ embedding: { values: [1] } }, { model: "m", inputs: ["a"] }),
    /Malformed Gemini batchEmbedContents response: embeddings:/,
  );
  assert.throws(
    () => geminiEmbeddingsToResult({ embeddings: [{ values: [1] }] }, { model: "m", inputs: ["a", "b"] }),
    /1 embeddings for 2 inputs/,
  );
});

Deno.test("embedContentInputs() and batchEmbedContentsInputs() read what Gemini clients send", () => {
  assert.deepEqual(
    embedContentInputs(geminiEmbedContentSchema.parse({
      content: { parts: [{ text: "Hello " }, { text: "world" }] },
      taskType: "RETRIEVAL_QUERY",
      outputDimensionality: 256,
    })),
    { inputs: ["Hello world"], dimensions: 256 },
  );
  const batch = geminiBatchEmbedContentsSchema.parse({
    requests: [
      { model: "models/openai/text-embedding-3-small", content: { parts: [{ text: "a" }] } },
      { model: "models/openai/text-embedding-3-small", content: { parts: [{ text: "b" }] } },
    ],
  });
  assert.deepEqual(batchEmbedContentsInputs(batch), { inputs: ["a", "b"] });
  const mixed = geminiBatchEmbedContentsSchema.parse({
    requests: [
      { content: { parts: [{ text: "a" }] }, outputDimensionality: 8 },
      { content: { parts: [{ text: "b" }] } },
    ],
  });
  assert.throws(() => batchEmbedContentsInputs(mixed), RequestError);
  assert.equal(geminiEmbedContentSchema.safeParse({ content: { parts: [] } }).success, false);
  assert.equal(
    geminiEmbedContentSchema.safeParse({ content: { parts: [{ inlineData: {} }] } }).success,
    false,
  );
});

Deno.test("resultToGeminiEmbeddings() answers embedContent with one embedding, batchEmbedContents with all", () => {
  const result = { vectors: [[1, 2], [3, 4]], model: "m", promptTokens: 2 };
  assert.deepEqual(resultToGeminiEmbeddings(result, "batchEmbedContents"), {
    embeddings: [{ values: [1, 2] }, { values: [3, 4] }],
  });
  assert.deepEqual(resultToGeminiEmbeddings({ ...result, vectors: [[5]] }, "embedContent"), {
    embedding: { values: [5] },
  });
});
