/** End to end: /v1/embeddings with the openai SDK, OpenAI-compatible and Gemini, with and without batching. */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { fakeVector, geminiHandler } from "../helpers/fake_gemini.ts";
import {
  defaultOpenAIHandler,
  jsonResponse,
  type RecordedRequest,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

function openAIEmbeddings(request: RecordedRequest): Response {
  if (!request.path.endsWith("/embeddings")) return defaultOpenAIHandler(request);
  const input = request.json?.input;
  const inputs = (Array.isArray(input) ? input : [input]) as string[];
  // Answer out of order, as the API allows: clients must sort by index.
  const data = inputs.map((text, index) => ({ object: "embedding", index, embedding: fakeVector(text) }))
    .reverse();
  return jsonResponse({
    object: "list",
    data,
    model: "embed-test",
    usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 },
  });
}

const embedCalls = (requests: RecordedRequest[]) =>
  requests.filter((request) =>
    request.path.endsWith("/embeddings") || request.path.endsWith(":batchEmbedContents")
  );

for (const batching of [false, true]) {
  Deno.test(`embeddings end to end (batching ${batching ? "on" : "off"})`, async () => {
    const openaiUpstream = startFakeUpstream(openAIEmbeddings);
    const geminiUpstream = startFakeUpstream(geminiHandler);
    const proxy = await startProxy({
      env: {
        MYLOCAL_API_BASE: openaiUpstream.baseUrl,
        MYLOCAL_API_KEY: "sk-embed-aaaaaaaaaaaa",
        MAX_CONCURRENT_REQUESTS_PER_KEY_MYLOCAL: "8",
        GEMINI_API_BASE: geminiUpstream.origin,
        GEMINI_API_KEY: "AIza-embed-bbbbbbbbbbbb",
        EMBEDDING_BATCHING: String(batching),
        // Wide enough that five concurrent requests on a loaded machine land in one window.
        EMBEDDING_BATCH_WINDOW_MS: "400",
      },
    });
    const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    try {
      // The SDK asks for base64 by default and decodes it.
      const single = await client.embeddings.create({ model: "mylocal/embed-test", input: "hello" });
      assert.deepEqual(single.data[0].embedding, fakeVector("hello"));
      assert.equal(single.usage.prompt_tokens, 2);
      const floats = await client.embeddings.create({
        model: "mylocal/embed-test",
        input: ["a", "bee", "ceee"],
        encoding_format: "float",
        dimensions: 3,
      });
      assert.deepEqual(floats.data.map((item) => item.embedding), [
        fakeVector("a"),
        fakeVector("bee"),
        fakeVector("ceee"),
      ]);
      assert.deepEqual(floats.data.map((item) => item.index), [0, 1, 2]);
      assert.equal(embedCalls(openaiUpstream.requests).at(-1)?.json?.dimensions, 3);

      const gemini = await client.embeddings.create({
        model: "gemini/text-embedding-004",
        input: ["one", "two"],
        dimensions: 3,
      });
      assert.deepEqual(gemini.data.map((item) => item.embedding), [fakeVector("one"), fakeVector("two")]);
      const geminiCall = embedCalls(geminiUpstream.requests)[0];
      assert.equal(geminiCall.path, "/v1beta/models/text-embedding-004:batchEmbedContents");
      const firstRequest = (geminiCall.json?.requests as Array<Record<string, unknown>>)[0];
      assert.equal(firstRequest.model, "models/text-embedding-004");
      assert.equal(firstRequest.outputDimensionality, 3);

      // Gemini embeds at most 100 inputs per call: 150 go out in two calls and come back in order.
      const many = Array.from({ length: 150 }, (_, index) => `text number ${index}`);
      const geminiCallsBefore = embedCalls(geminiUpstream.requests).length;
      const split = await client.embeddings.create({
        model: "gemini/text-embedding-004",
        input: many,
        encoding_format: "float",
      });
      const splitCalls = embedCalls(geminiUpstream.requests).slice(geminiCallsBefore);
      assert.equal(splitCalls.length, 2);
      assert.deepEqual(
        splitCalls.map((call) => (call.json?.requests as unknown[]).length).sort((a, b) => b - a),
        [100, 50],
      );
      assert.deepEqual(split.data.map((item) => item.index), many.map((_, index) => index));
      assert.deepEqual(split.data.map((item) => item.embedding), many.map(fakeVector));
      // Gemini reports no usage: about four characters per token, summed over both calls.
      const estimate = many.reduce((total, text) => total + Math.ceil(text.length / 4), 0);
      assert.equal(split.usage.prompt_tokens, estimate);

      const before = embedCalls(openaiUpstream.requests).length;
      const words = ["alpha", "beta", "gamma", "delta", "epsilon"];
      const results = await Promise.all(
        words.map((word) => client.embeddings.create({ model: "mylocal/embed-test", input: word })),
      );
      results.forEach((result, index) =>
        assert.deepEqual(result.data[0].embedding, fakeVector(words[index]))
      );
      const calls = embedCalls(openaiUpstream.requests).slice(before);
      if (batching) {
        assert.equal(calls.length, 1, "concurrent requests were not merged");
        // Concurrent requests reach the proxy in whatever order the sockets deliver them; each result was
        // already matched to its own word above, so only the merged set is checked here.
        assert.deepEqual([...(calls[0].json?.input as string[])].sort(), [...words].sort());
      } else {
        assert.equal(calls.length, words.length);
      }

      const bad = await fetch(`${proxy.url}/v1/embeddings`, {
        method: "POST",
        headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
        body: JSON.stringify({ model: "mylocal/embed-test", input: 42 }),
      });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error.message, /^input: /);
    } finally {
      await proxy.stop();
      await openaiUpstream.close();
      await geminiUpstream.close();
    }
  });
}
