import assert from "node:assert/strict";
import { emptyUsage, type StreamPart } from "../../../../lib/formats/canonical.ts";
import { CODECS } from "../../../../lib/formats/mod.ts";
import { geminiErrorBody, geminiErrorStatus } from "../../../../lib/formats/gemini/error.ts";
import { canonicalToAnthropicRequest } from "../../../../lib/formats/anthropic/request.ts";
import { canonicalToOpenAIRequest } from "../../../../lib/formats/openai/request.ts";
import { RequestError } from "../../../../lib/errors.ts";
import {
  signatureCarrier,
  withoutSignatureCarriers,
} from "../../../../lib/formats/gemini/signature_carrier.ts";

const gemini = CODECS.gemini;

Deno.test("geminiErrorBody() writes Google's shape, with RetryInfo when the wait is known", () => {
  assert.deepEqual(geminiErrorBody({ kind: "rate_limit", message: "slow down", retryAfterSeconds: 29.2 }), {
    error: {
      code: 429,
      message: "slow down",
      status: "RESOURCE_EXHAUSTED",
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "30s" }],
    },
  });
  assert.deepEqual(
    geminiErrorBody({ kind: "authentication", message: "invalid API key" }).error.status,
    "UNAUTHENTICATED",
  );
  assert.deepEqual(geminiErrorBody({ kind: "not_found", message: "no" }).error.code, 404);
  assert.deepEqual(geminiErrorBody({ kind: "timeout", message: "late" }).error.status, "DEADLINE_EXCEEDED");
});

Deno.test("geminiErrorStatus() uses the statuses Google answers with", () => {
  assert.equal(geminiErrorStatus(502), 500);
  assert.equal(geminiErrorStatus(413), 400);
  assert.equal(geminiErrorStatus(429), 429);
  assert.equal(geminiErrorStatus(503), 503);
});

Deno.test("CODECS.gemini.fromCanonicalResponse() answers as Gemini does, naming the client's model", () => {
  const body = gemini.fromCanonicalResponse({
    id: "msg_1",
    model: "claude-sonnet-4",
    content: [
      { type: "reasoning", text: "Hmm.", signature: "anthropic-sig" },
      { type: "text", text: "Let me look." },
      { type: "tool-call", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
    ],
    finish: { unified: "tool-calls", raw: "tool_use" },
    usage: { ...emptyUsage(), inputTokens: 10, outputTokens: 5 },
  }, "anthropic/claude-sonnet-4");
  assert.deepEqual(body, {
    candidates: [{
      content: {
        role: "model",
        parts: [
          { text: "Hmm.", thought: true },
          // Anthropic's signed thinking rides on the next part, for the client to send back.
          {
            text: "Let me look.",
            thoughtSignature: signatureCarrier({
              type: "reasoning",
              text: "Hmm.",
              signature: "anthropic-sig",
            }),
          },
          { functionCall: { name: "get_weather", args: { city: "Paris" }, id: "toolu_1" } },
        ],
      },
      finishReason: "STOP",
      index: 0,
    }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: "anthropic/claude-sonnet-4",
    responseId: "msg_1",
  });
});

Deno.test("CODECS.gemini reads usage from passed-through answers and stream tails", () => {
  const usageMetadata = { promptTokenCount: 11, candidatesTokenCount: 3, thoughtsTokenCount: 2 };
  assert.deepEqual(gemini.usageOf({ candidates: [], usageMetadata }), {
    inputTokens: 11,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    outputTokens: 5,
    reasoningTokens: 2,
  });
  assert.equal(gemini.usageOf({ error: { code: 400 } }), null);
  const tail = `data: {"candidates":[],"usageMetadata":{"promptTokenCount":4}}\r\n\r\n` +
    `data: {"candidates":[],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":7}}\r\n\r\n`;
  assert.equal(gemini.streamTailUsage(tail)?.outputTokens, 7);
});

Deno.test("each codec lowers its own output limit and temperature: no format names outside the format", () => {
  assert.deepEqual(
    gemini.clampOutputTokens({ generationConfig: { maxOutputTokens: 9000, topK: 2 } }, 8192),
    { generationConfig: { maxOutputTokens: 8192, topK: 2 } },
  );
  assert.equal(gemini.clampOutputTokens({ generationConfig: { maxOutputTokens: 100 } }, 8192), null);
  assert.deepEqual(CODECS.openai.clampOutputTokens({ max_tokens: 9, max_completion_tokens: 9 }, 5), {
    max_tokens: 5,
    max_completion_tokens: 5,
  });
  assert.deepEqual(CODECS.anthropic.clampOutputTokens({ max_tokens: 9 }, 5), { max_tokens: 5 });
  assert.deepEqual(gemini.overrideTemperatureZero({ generationConfig: { temperature: 0 } }, "set"), {
    generationConfig: { temperature: 1 },
  });
  assert.deepEqual(CODECS.openai.overrideTemperatureZero({ temperature: 0, a: 1 }, "remove"), { a: 1 });
  assert.deepEqual(CODECS.anthropic.overrideTemperatureZero({ temperature: 0.5 }, "remove"), {
    temperature: 0.5,
  });
  assert.equal(gemini.embeddings?.inputsPerCall, 100);
  assert.equal(CODECS.anthropic.embeddings, undefined);
});

/** A turn as Gemini CLI sends it: JSON Schema tools, upper-case types, ids it made up, the skip signature. */
const geminiCliBody = {
  systemInstruction: { role: "user", parts: [{ text: "You are an agent." }] },
  contents: [
    { role: "user", parts: [{ text: "List the files." }] },
    {
      role: "model",
      parts: [{
        functionCall: { name: "list_directory", args: { path: "." } },
        thoughtSignature: "skip_thought_signature_validator",
      }, { functionCall: { name: "read_file", args: { path: "a.ts" } } }],
    },
    {
      role: "user",
      parts: [
        { functionResponse: { name: "list_directory", response: { output: "a.ts\nb.ts" } } },
        { functionResponse: { name: "read_file", response: { output: "export {}" } } },
      ],
    },
  ],
  tools: [{
    functionDeclarations: [
      {
        name: "list_directory",
        description: "Lists a directory",
        parametersJsonSchema: {
          type: "object",
          properties: { path: { type: "string" } },
          required: ["path"],
        },
      },
      {
        name: "read_file",
        parameters: { type: "OBJECT", properties: { path: { type: "STRING" } } },
      },
    ],
  }],
  generationConfig: { temperature: 0, thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 } },
};

Deno.test("a Gemini CLI turn without call ids reaches OpenAI with invented ids that pair calls and results", () => {
  const canonical = gemini.toCanonicalRequest(geminiCliBody, "gpt-4o");
  const openai = canonicalToOpenAIRequest(canonical);
  const messages = openai.messages as Array<Record<string, unknown>>;
  const assistant = messages.find((message) => message.role === "assistant")!;
  const ids = (assistant.tool_calls as Array<{ id: string }>).map((call) => call.id);
  assert.equal(new Set(ids).size, 2);
  const results = messages.filter((message) => message.role === "tool").map((message) =>
    message.tool_call_id
  );
  assert.deepEqual(results, ids);
  assert.equal(messages.find((message) => message.role === "tool")!.content, "a.ts\nb.ts");
  const tools = openai.tools as Array<{ function: { parameters: Record<string, unknown> } }>;
  assert.deepEqual(tools[1].function.parameters, {
    type: "object",
    properties: { path: { type: "string" } },
  });
});

Deno.test("Gemini CLI's skip_thought_signature_validator never reaches Anthropic", () => {
  const canonical = gemini.toCanonicalRequest(geminiCliBody, "claude-sonnet-4");
  const anthropic = JSON.stringify(canonicalToAnthropicRequest(canonical));
  assert.ok(!anthropic.includes("skip_thought_signature_validator"));
  const body = JSON.parse(anthropic);
  const toolUses = body.messages[1].content.filter((block: { type: string }) => block.type === "tool_use");
  const results = body.messages[2].content.map((block: { tool_use_id: string }) => block.tool_use_id);
  assert.deepEqual(results, toolUses.map((block: { id: string }) => block.id));
});

Deno.test("CODECS.gemini.toCanonicalRequest() refuses several candidates rather than answering with one", () => {
  assert.throws(
    () => gemini.toCanonicalRequest({ contents: [], generationConfig: { candidateCount: 2 } }, "m"),
    (error: unknown) => error instanceof RequestError && error.param === "generationConfig.candidateCount",
  );
});

Deno.test("CODECS.gemini.toCanonicalRequest() reads structured output, seed and penalties", () => {
  const contents = [{ role: "user", parts: [{ text: "Next speaker?" }] }];
  const schema = {
    type: "object",
    properties: { next_speaker: { type: "string", enum: ["user", "model"] } },
  };
  const jsonSchema = gemini.toCanonicalRequest({
    contents,
    generationConfig: {
      responseMimeType: "application/json",
      responseJsonSchema: schema,
      seed: 7,
      presencePenalty: 0.5,
    },
  }, "m");
  assert.deepEqual(jsonSchema.responseFormat, { type: "json_schema", name: "response", schema });
  assert.equal(jsonSchema.seed, 7);
  assert.equal(jsonSchema.presencePenalty, 0.5);
  const openAPI = gemini.toCanonicalRequest({
    contents,
    generationConfig: {
      responseMimeType: "application/json",
      responseSchema: { type: "OBJECT", properties: { a: { type: "STRING" } }, propertyOrdering: ["a"] },
    },
  }, "m");
  assert.deepEqual(openAPI.responseFormat, {
    type: "json_schema",
    name: "response",
    schema: { type: "object", properties: { a: { type: "string" } } },
  });
  const jsonMode = gemini.toCanonicalRequest({
    contents,
    generationConfig: { responseMimeType: "application/json" },
  }, "m");
  assert.deepEqual(jsonMode.responseFormat, { type: "json_object" });
  assert.equal(gemini.toCanonicalRequest({ contents }, "m").responseFormat, undefined);
});

Deno.test("Gemini CLI's made-up call ids, too long or odd for other providers, travel under ids of ours, still paired", () => {
  const long = "read_file__synth_5d1c2e0a-77f3-4bb5-a6b1-0e3c1c0f9a11########4_1733230000000_0";
  const canonical = gemini.toCanonicalRequest({
    contents: [
      { role: "user", parts: [{ text: "Read a.ts and b.ts" }] },
      {
        role: "model",
        parts: [
          { functionCall: { id: long, name: "read_file", args: { path: "a.ts" } } },
          { functionCall: { id: "fc_ok", name: "read_file", args: { path: "b.ts" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { id: "fc_ok", name: "read_file", response: { output: "b" } } },
          { functionResponse: { id: long, name: "read_file", response: { output: "a" } } },
        ],
      },
    ],
  }, "gpt-4o");
  const calls = canonical.messages[1].content.flatMap((part) => part.type === "tool-call" ? [part.id] : []);
  const results = canonical.messages[2].content.flatMap((part) =>
    part.type === "tool-result" ? [[part.toolCallId, part.content[0]]] : []
  );
  assert.equal(calls[1], "fc_ok");
  assert.match(calls[0], /^[A-Za-z0-9_-]{1,40}$/);
  assert.deepEqual(results, [["fc_ok", { type: "text", text: "b" }], [calls[0], {
    type: "text",
    text: "a",
  }]]);
});

Deno.test("Anthropic's signed thinking makes the round trip through a Gemini client that drops thought parts", async () => {
  const anthropicAnswer = {
    id: "msg_1",
    model: "claude",
    content: [
      { type: "reasoning" as const, text: "I should check the weather.", signature: "EqQBCkYIARgCIkA" },
      { type: "redacted-reasoning" as const, data: "EmwKAhgBEgy3" },
      { type: "tool-call" as const, id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
    ],
    finish: { unified: "tool-calls" as const, raw: "tool_use" },
    usage: emptyUsage(),
  };
  // JSON, and the same answer streamed.
  const json = gemini.fromCanonicalResponse(anthropicAnswer, "anthropic/claude") as {
    candidates: Array<{ content: { parts: Array<Record<string, unknown>> } }>;
  };
  const streamed = (await Array.fromAsync(
    ReadableStream.from<StreamPart>([
      { type: "reasoning-delta", text: "I should check " },
      { type: "reasoning-delta", text: "the weather." },
      { type: "reasoning-signature", signature: "EqQBCkYIARgCIkA" },
      { type: "redacted-reasoning", data: "EmwKAhgBEgy3" },
      { type: "tool-call-start", index: 0, id: "toolu_1", name: "get_weather" },
      { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: "finish", finish: { unified: "tool-calls", raw: "tool_use" } },
    ]).pipeThrough(gemini.partsToStream({ model: "anthropic/claude", includeUsage: true })),
  )).join("");
  const streamedParts = streamed.split("\n").filter((line) => line.startsWith("data: "))
    .flatMap((line) => JSON.parse(line.slice(6)).candidates[0].content.parts);
  for (const parts of [json.candidates[0].content.parts, streamedParts]) {
    // Gemini CLI keeps every part but thoughts in its history, and sends them back as they came.
    const history = parts.filter((part) => part.thought !== true);
    const canonical = gemini.toCanonicalRequest({
      contents: [
        { role: "user", parts: [{ text: "Weather?" }] },
        { role: "model", parts: history },
        {
          role: "user",
          parts: [{
            functionResponse: { id: "toolu_1", name: "get_weather", response: { output: "sunny" } },
          }],
        },
      ],
    }, "claude-sonnet-4");
    const body = canonicalToAnthropicRequest(canonical) as { messages: Array<{ content: unknown[] }> };
    assert.deepEqual(body.messages[1].content, [
      { type: "thinking", thinking: "I should check the weather.", signature: "EqQBCkYIARgCIkA" },
      { type: "redacted_thinking", data: "EmwKAhgBEgy3" },
      { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
    ]);
  }
});

Deno.test("withoutSignatureCarriers() keeps the gateway's carriers from a Gemini provider", () => {
  const carrier = signatureCarrier({ type: "reasoning", text: "x", signature: "sig" });
  const body = {
    contents: [{
      role: "model",
      parts: [
        { text: "a", thoughtSignature: carrier },
        { functionCall: { name: "f", args: {} }, thoughtSignature: carrier },
        { functionCall: { name: "g", args: {} }, thoughtSignature: "google-own" },
      ],
    }],
  };
  assert.deepEqual(withoutSignatureCarriers(body, { skipSignature: "skip" }).contents, [{
    role: "model",
    parts: [
      { text: "a" },
      { functionCall: { name: "f", args: {} }, thoughtSignature: "skip" },
      { functionCall: { name: "g", args: {} }, thoughtSignature: "google-own" },
    ],
  }]);
  const plain = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };
  assert.equal(withoutSignatureCarriers(plain, { skipSignature: "skip" }), plain);
});
