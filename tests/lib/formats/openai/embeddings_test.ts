import assert from "node:assert/strict";
import { RequestError } from "../../../../lib/errors.ts";
import {
  decodeBase64Embedding,
  embeddingInputs,
  embeddingRequestSchema,
  encodeBase64Embedding,
  openAIEmbeddingsRequest,
  openAIEmbeddingsToResult,
  resultToOpenAIEmbeddings,
} from "../../../../lib/formats/openai/embeddings.ts";

/** The float32 little-endian bytes of [1, -2.5, 0.25]: 00 00 80 3F, 00 00 20 C0, 00 00 80 3E. */
const KNOWN_BASE64 = "AACAPwAAIMAAAIA+";

function problem(body: unknown): string {
  const parsed = embeddingRequestSchema.safeParse(body);
  assert.equal(parsed.success, false);
  const issue = parsed.error!.issues[0];
  return `${issue.path.join(".")}: ${issue.message}`;
}

Deno.test("embeddingRequestSchema accepts strings, string arrays and token arrays, keeping unknown fields", () => {
  for (const input of ["hello", ["a", "b"], [1, 2, 3], [[1, 2], [3]]]) {
    const parsed = embeddingRequestSchema.parse({ model: "m", input, extra: true });
    assert.deepEqual(parsed.input, input);
    assert.equal((parsed as Record<string, unknown>).extra, true);
  }
  const full = embeddingRequestSchema.parse({
    model: "m",
    input: "x",
    dimensions: 256,
    encoding_format: "base64",
    user: "u-1",
  });
  assert.equal(full.dimensions, 256);
  assert.equal(full.encoding_format, "base64");
  assert.equal(full.user, "u-1");
});

Deno.test("embeddingRequestSchema rejects bad bodies with field-named messages", () => {
  assert.equal(problem({ model: "m" }), "input: must be a string or an array of strings");
  assert.equal(problem({ model: "m", input: 5 }), "input: must be a string or an array of strings");
  assert.equal(problem({ model: "m", input: ["a", [1]] }), "input: must be a string or an array of strings");
  assert.equal(problem({ model: "m", input: "" }), "input: must not be an empty string");
  assert.equal(problem({ model: "m", input: [] }), "input: must not be an empty array");
  assert.equal(problem({ model: "m", input: ["a", ""] }), "input.1: must not be an empty string");
  assert.equal(problem({ model: "m", input: [-1] }), "input.0: token ids must be non-negative integers");
  assert.match(problem({ input: "x" }), /^model: is required/);
  assert.equal(problem({ model: "m", input: "x", dimensions: 0 }), "dimensions: must be a positive integer");
  assert.equal(
    problem({ model: "m", input: "x", dimensions: 1.5 }),
    "dimensions: must be a positive integer",
  );
  assert.equal(
    problem({ model: "m", input: "x", encoding_format: "int8" }),
    'encoding_format: must be "float" or "base64"',
  );
});

Deno.test("embeddingInputs() lists a single string or token array as one input", () => {
  const inputsOf = (input: unknown) => embeddingInputs(embeddingRequestSchema.parse({ model: "m", input }));
  assert.deepEqual(inputsOf("hello"), ["hello"]);
  assert.deepEqual(inputsOf(["a", "b"]), ["a", "b"]);
  assert.deepEqual(inputsOf([5, 6, 7]), [[5, 6, 7]]);
  assert.deepEqual(inputsOf([[5], [6, 7]]), [[5], [6, 7]]);
});

Deno.test("encodeBase64Embedding() writes float32 little-endian bytes", () => {
  assert.equal(encodeBase64Embedding([1, -2.5, 0.25]), KNOWN_BASE64);
  assert.equal(encodeBase64Embedding([]), "");
  assert.deepEqual(decodeBase64Embedding(KNOWN_BASE64), [1, -2.5, 0.25]);
  // What the openai SDK does with the string: read it as a Float32Array.
  const bytes = Uint8Array.from(atob(encodeBase64Embedding([0.5, -0.125])), (c) => c.charCodeAt(0));
  assert.deepEqual(Array.from(new Float32Array(bytes.buffer)), [0.5, -0.125]);
});

Deno.test("encodeBase64Embedding() round-trips a long vector at float32 precision", () => {
  const vector = Array.from({ length: 3072 }, (_, index) => Math.sin(index) / 3);
  const decoded = decodeBase64Embedding(encodeBase64Embedding(vector));
  assert.equal(decoded.length, 3072);
  assert.deepEqual(decoded, vector.map((value) => Math.fround(value)));
});

Deno.test("openAIEmbeddingsToResult() orders vectors by index and reads usage", () => {
  const result = openAIEmbeddingsToResult({
    object: "list",
    data: [
      { object: "embedding", index: 2, embedding: [0.3] },
      { object: "embedding", index: 0, embedding: [0.1] },
      { object: "embedding", index: 1, embedding: [0.2] },
    ],
    model: "text-embedding-3-small",
    usage: { prompt_tokens: 9, total_tokens: 9 },
  });
  assert.deepEqual(result, {
    vectors: [[0.1], [0.2], [0.3]],
    model: "text-embedding-3-small",
    promptTokens: 9,
  });
});

Deno.test("openAIEmbeddingsToResult() decodes base64 embeddings", () => {
  const result = openAIEmbeddingsToResult({
    object: "list",
    data: [{ object: "embedding", index: 0, embedding: KNOWN_BASE64 }],
    model: "m",
    usage: { prompt_tokens: 1, total_tokens: 1 },
  });
  assert.deepEqual(result.vectors, [[1, -2.5, 0.25]]);
});

Deno.test("openAIEmbeddingsToResult() throws a clear Error on a malformed body", () => {
  assert.throws(
    () => openAIEmbeddingsToResult({ object: "list", model: "m" }),
    (error: Error) => error.message.startsWith("Malformed OpenAI embeddings response: data:"),
  );
  assert.throws(
    () => openAIEmbeddingsToResult({ data: [{ index: 0, embedding: [1, "x"] }] }),
    /Malformed OpenAI embeddings response: data\.0\.embedding/,
  );
  assert.throws(() => openAIEmbeddingsToResult({ data: [{ embedding: "AAA" }] }), /whole number of float32s/);
  assert.throws(() => openAIEmbeddingsToResult(null), /Malformed OpenAI embeddings response: body/);
});

Deno.test("resultToOpenAIEmbeddings() renders float and base64 answers under the client's model name", () => {
  const result = { vectors: [[1, -2.5, 0.25], [0.5]], model: "text-embedding-3-small", promptTokens: 7 };
  assert.deepEqual(resultToOpenAIEmbeddings(result, { model: "openai/small" }), {
    object: "list",
    data: [
      { object: "embedding", index: 0, embedding: [1, -2.5, 0.25] },
      { object: "embedding", index: 1, embedding: [0.5] },
    ],
    model: "openai/small",
    usage: { prompt_tokens: 7, total_tokens: 7 },
  });
  const encoded = resultToOpenAIEmbeddings(result, { model: "openai/small", encodingFormat: "base64" });
  assert.deepEqual(encoded.data, [
    { object: "embedding", index: 0, embedding: KNOWN_BASE64 },
    { object: "embedding", index: 1, embedding: "AAAAPw==" },
  ]);
});

Deno.test("openAIEmbeddingsRequest() always asks for float and passes dimensions and user", () => {
  assert.deepEqual(openAIEmbeddingsRequest(["a", "b"], { model: "text-embedding-3-small" }), {
    model: "text-embedding-3-small",
    input: ["a", "b"],
    encoding_format: "float",
  });
  assert.deepEqual(openAIEmbeddingsRequest([[1, 2], [3]], { model: "m", dimensions: 64, user: "u" }), {
    model: "m",
    input: [[1, 2], [3]],
    encoding_format: "float",
    dimensions: 64,
    user: "u",
  });
  assert.throws(
    () => openAIEmbeddingsRequest(["a", [1]], { model: "m" }),
    (error: unknown) => error instanceof RequestError && error.status === 400 && error.param === "input",
  );
});
