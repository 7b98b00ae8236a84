/**
 * A fake Gemini API (Google AI Studio, v1beta) for end-to-end tests: generateContent,
 * streamGenerateContent?alt=sse, batchEmbedContents and a paginated models listing.
 */
import { jsonResponse, type RecordedRequest, sseResponse } from "./fake_upstream.ts";

const usageMetadata = { promptTokenCount: 11, candidatesTokenCount: 3, totalTokenCount: 14 };

/** The embedding the fake returns for a text: [length, vowels, 1]. */
export function fakeVector(text: string): number[] {
  return [text.length, (text.match(/[aeiou]/g) ?? []).length, 1];
}

function asked(request: RecordedRequest): { hasTools: boolean; hasResult: boolean } {
  const body = request.json ?? {};
  const contents = (body.contents ?? []) as Array<{ parts?: Array<Record<string, unknown>> }>;
  const hasResult = contents.some((content) => content.parts?.some((part) => "functionResponse" in part));
  return { hasTools: Array.isArray(body.tools), hasResult };
}

/** Answers like Gemini; a call with tools and no function result asks for `get_weather`. */
export function geminiHandler(request: RecordedRequest): Response {
  const path = request.path;
  if (request.method === "GET" && path === "/v1beta/models") {
    const second = new URLSearchParams(request.search).get("pageToken") === "page-2";
    return jsonResponse(
      second
        ? { models: [{ name: "models/text-embedding-004", supportedGenerationMethods: ["embedContent"] }] }
        : {
          models: [
            { name: "models/gemini-test", supportedGenerationMethods: ["generateContent", "countTokens"] },
            { name: "models/imagen-only", supportedGenerationMethods: ["predict"] },
          ],
          nextPageToken: "page-2",
        },
    );
  }
  if (path.endsWith(":batchEmbedContents")) {
    const requests = (request.json?.requests ?? []) as Array<{ content: { parts: Array<{ text: string }> } }>;
    return jsonResponse({
      embeddings: requests.map((item) => ({ values: fakeVector(item.content.parts[0].text) })),
    });
  }
  const { hasTools, hasResult } = asked(request);
  const call = { functionCall: { name: "get_weather", args: { city: "Paris" } } };
  const text = hasResult ? "It is sunny in Paris." : "Hello from Gemini";
  if (path.endsWith(":streamGenerateContent")) {
    const chunk = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;
    if (hasTools && !hasResult) {
      return sseResponse([
        chunk({
          candidates: [{ content: { role: "model", parts: [call] }, finishReason: "STOP", index: 0 }],
          usageMetadata,
        }),
      ]);
    }
    return sseResponse([
      chunk({
        candidates: [{ content: { role: "model", parts: [{ text: text.slice(0, 5) }] }, index: 0 }],
        modelVersion: "gemini-test",
      }),
      chunk({
        candidates: [{
          content: { role: "model", parts: [{ text: text.slice(5) }] },
          finishReason: "STOP",
          index: 0,
        }],
        usageMetadata,
        modelVersion: "gemini-test",
      }),
    ]);
  }
  if (path.endsWith(":generateContent")) {
    const parts = hasTools && !hasResult ? [call] : [{ text }];
    return jsonResponse({
      candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
      usageMetadata,
      modelVersion: "gemini-test",
      responseId: "resp-1",
    });
  }
  return jsonResponse({ error: { code: 404, message: `no ${path}`, status: "NOT_FOUND" } }, 404);
}
