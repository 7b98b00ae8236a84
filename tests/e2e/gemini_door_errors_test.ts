/**
 * End to end: what goes wrong at the Gemini front door comes back in Google's error shape with Google's
 * statuses, never a 500 — a wrong key, bad bodies, unknown models and paths, an upstream that refuses,
 * every key cooling (429 with `RetryInfo`, which `@google/genai` and Gemini CLI read), a stream that
 * breaks after it began; and the door's embeddings.
 */
import assert from "node:assert/strict";
import { ApiError, GoogleGenAI } from "@google/genai";
import {
  chatCompletionChunks,
  jsonResponse,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { fakeVector, geminiHandler } from "../helpers/fake_gemini.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

/** A Google error body, checked for its shape. */
function assertGoogleError(body: unknown, code: number, status: string): Record<string, unknown> {
  const error = (body as { error?: Record<string, unknown> }).error;
  assert.ok(error, `a Google error body: ${JSON.stringify(body)}`);
  assert.equal(error.code, code);
  assert.equal(error.status, status);
  assert.equal(typeof error.message, "string");
  assert.ok(Array.isArray(error.details));
  return error;
}

Deno.test("Gemini front door failures in Google's shape", async (t) => {
  const limited = startFakeUpstream((request) =>
    request.path.endsWith("/models")
      ? jsonResponse({ data: [{ id: "m" }] })
      : jsonResponse({ error: { message: "Rate limit reached", type: "requests" } }, 429, {
        "retry-after": "42",
      })
  );
  const broken = startFakeUpstream((request) => {
    if (request.path.endsWith("/models")) return jsonResponse({ data: [{ id: "m" }] });
    // A stream that stops after its first words, with no finish and no [DONE].
    return sseResponse(chatCompletionChunks("m", ["Hello"]).slice(0, 2));
  });
  const refusing = startFakeUpstream((request) =>
    request.path.endsWith("/models")
      ? jsonResponse({ data: [{ id: "m" }] })
      : jsonResponse({ error: { message: "This model's maximum context length is 10 tokens." } }, 400)
  );
  const gemini = startFakeUpstream(geminiHandler);
  const proxy = await startProxy({
    env: {
      LIMITED_API_BASE: limited.baseUrl,
      LIMITED_API_KEY: "sk-limited-0000000000001",
      BROKEN_API_BASE: broken.baseUrl,
      BROKEN_API_KEY: "sk-broken-00000000000002",
      REFUSING_API_BASE: refusing.baseUrl,
      REFUSING_API_KEY: "sk-refusing-000000000003",
      GEMINI_API_BASE: gemini.origin,
      GEMINI_API_KEY: "gemini-door-errors-000004",
    },
  });
  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = { "x-goog-api-key": TEST_PROXY_KEY },
  ) =>
    fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const hello = { contents: [{ role: "user", parts: [{ text: "Hi" }] }] };

  try {
    await t.step("a wrong or missing key is 401 UNAUTHENTICATED, under /v1beta and /v1", async () => {
      for (
        const path of [
          "/v1beta/models/gemini/gemini-test:generateContent",
          "/v1/models/gemini/gemini-test:generateContent",
        ]
      ) {
        const wrong = await post(path, hello, { "x-goog-api-key": "nope" });
        assert.equal(wrong.status, 401);
        assertGoogleError(await wrong.json(), 401, "UNAUTHENTICATED");
      }
      // @google/genai lists models under /v1, which the OpenAI routes share.
      const listing = await fetch(`${proxy.url}/v1/models`, { headers: { "x-goog-api-key": "nope" } });
      assertGoogleError(await listing.json(), 401, "UNAUTHENTICATED");
      const missing = await post("/v1beta/models/gemini/gemini-test:generateContent", hello, {});
      assertGoogleError(await missing.json(), 401, "UNAUTHENTICATED");
      // The SDK raises it as an ApiError with the status.
      const ai = new GoogleGenAI({ apiKey: "nope", httpOptions: { baseUrl: proxy.url } });
      await assert.rejects(
        ai.models.generateContent({ model: "gemini/gemini-test", contents: "Hi" }),
        (error: unknown) => error instanceof ApiError && error.status === 401,
      );
    });

    await t.step("bad bodies are 400 INVALID_ARGUMENT naming the field", async () => {
      const path = "/v1beta/models/limited/m:generateContent";
      for (
        const [body, field] of [
          [{}, "contents"],
          [{ contents: [] }, "contents"],
          [{ contents: [{ role: "user", parts: "Hi" }] }, "contents.0.parts"],
          [
            { contents: [{ role: "user", parts: [{ executableCode: { code: "1" } }] }] },
            "contents.0.parts.0",
          ],
          [{ ...hello, generationConfig: { candidateCount: 2 } }, "generationConfig.candidateCount"],
          ["{not json", ""],
        ] as const
      ) {
        const response = await post(path, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        const error = assertGoogleError(await response.json(), 400, "INVALID_ARGUMENT");
        assert.match(String(error.message), new RegExp(field.replaceAll(".", "\\.")));
      }
      // A function response that answers no call.
      const orphan = await post(path, {
        contents: [{ role: "user", parts: [{ functionResponse: { name: "f", response: { output: "x" } } }] }],
      });
      assertGoogleError(await orphan.json(), 400, "INVALID_ARGUMENT");
    });

    await t.step("an unknown model or provider is 404 NOT_FOUND; a path with no model is 400", async () => {
      const unknown = await post("/v1beta/models/nosuch/model:generateContent", hello);
      assert.equal(unknown.status, 404);
      assertGoogleError(await unknown.json(), 404, "NOT_FOUND");
      const bare = await post("/v1beta/models/gemini-2.5-flash-lite:generateContent", hello);
      assert.equal(bare.status, 404);
      assert.match(
        assertGoogleError(await bare.json(), 404, "NOT_FOUND").message as string,
        /provider\/model/,
      );
      const noModel = await post("/v1beta/models/:generateContent", hello);
      assertGoogleError(await noModel.json(), 400, "INVALID_ARGUMENT");
      const noMethod = await post("/v1beta/models/limited/m:predict", hello);
      assert.equal(noMethod.status, 404);
      assertGoogleError(await noMethod.json(), 404, "NOT_FOUND");
    });

    await t.step("an upstream's refusal keeps its status and words", async () => {
      const response = await post("/v1beta/models/refusing/m:generateContent", hello);
      assert.equal(response.status, 400);
      const error = assertGoogleError(await response.json(), 400, "INVALID_ARGUMENT");
      assert.match(String(error.message), /maximum context length/);
    });

    await t.step(
      "every key cooling is 429 RESOURCE_EXHAUSTED with RetryInfo, as Gemini CLI reads it",
      async () => {
        const response = await post("/v1beta/models/limited/m:generateContent", hello);
        assert.equal(response.status, 429);
        const error = assertGoogleError(await response.json(), 429, "RESOURCE_EXHAUSTED");
        const [retry] = error.details as Array<Record<string, string>>;
        assert.equal(retry["@type"], "type.googleapis.com/google.rpc.RetryInfo");
        assert.match(retry.retryDelay, /^\d+s$/);
        assert.ok(Number(retry.retryDelay.slice(0, -1)) >= 40);
      },
    );

    await t.step("a stream that breaks after it began ends with an error the SDK raises", async () => {
      const ai = new GoogleGenAI({ apiKey: TEST_PROXY_KEY, httpOptions: { baseUrl: proxy.url } });
      let text = "";
      await assert.rejects(async () => {
        for await (
          const chunk of await ai.models.generateContentStream({ model: "broken/m", contents: "Hi" })
        ) {
          text += chunk.text ?? "";
        }
      });
      assert.equal(text, "Hello");
    });

    await t.step("embedContent and batchEmbedContents through the door", async () => {
      const ai = new GoogleGenAI({ apiKey: TEST_PROXY_KEY, httpOptions: { baseUrl: proxy.url } });
      const one = await ai.models.embedContent({ model: "gemini/text-embedding-004", contents: "hello" });
      assert.deepEqual(one.embeddings?.map((embedding) => embedding.values), [fakeVector("hello")]);
      const batch = await post("/v1beta/models/gemini/text-embedding-004:batchEmbedContents", {
        requests: ["a", "bb"].map((text) => ({
          model: "models/gemini/text-embedding-004",
          content: { parts: [{ text }] },
        })),
      });
      assert.equal(batch.status, 200);
      assert.deepEqual(await batch.json(), {
        embeddings: [{ values: fakeVector("a") }, { values: fakeVector("bb") }],
      });
      const single = await post("/v1/models/gemini/text-embedding-004:embedContent", {
        content: { parts: [{ text: "hello" }] },
      });
      assert.deepEqual(await single.json(), { embedding: { values: fakeVector("hello") } });
      const empty = await post("/v1beta/models/gemini/text-embedding-004:embedContent", {
        content: { parts: [] },
      });
      assertGoogleError(await empty.json(), 400, "INVALID_ARGUMENT");
    });
  } finally {
    await proxy.stop();
    for (const server of [limited, broken, refusing, gemini]) await server.close();
  }
});
