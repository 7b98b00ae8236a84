/**
 * Settings of an OpenAI chat request that translation used to drop or refuse: response_format, seed,
 * penalties, n, file parts, `stream: null`, and reasoning sent back as `reasoning_content`.
 */
import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../../lib/formats/canonical.ts";
import { canonicalToGeminiRequest } from "../../../../lib/formats/gemini/request.ts";
import {
  canonicalToOpenAIRequest,
  openAIRequestToCanonical,
} from "../../../../lib/formats/openai/request.ts";
import { chatCompletionRequestSchema } from "../../../../lib/formats/openai/schema.ts";
import { assertRequestError, canonicalRequest } from "../../../helpers/canonical.ts";
const canonical = (overrides: Partial<CanonicalRequest> = {}) => canonicalRequest("m", overrides);

const USER_HI = [{ role: "user", content: "Hi" }];
const PERSON_SCHEMA = {
  type: "object",
  properties: { name: { type: "string" }, age: { type: "integer" } },
  required: ["name", "age"],
  additionalProperties: false,
};

function generationConfigOf(request: CanonicalRequest): Record<string, unknown> | undefined {
  return canonicalToGeminiRequest(request).generationConfig as Record<string, unknown> | undefined;
}

Deno.test("openAIRequestToCanonical() reads each response_format type", () => {
  const read = (responseFormat: unknown) =>
    openAIRequestToCanonical({ messages: USER_HI, response_format: responseFormat }, "m").responseFormat;
  assert.deepEqual(read({ type: "text" }), { type: "text" });
  assert.deepEqual(read({ type: "json_object" }), { type: "json_object" });
  assert.deepEqual(
    read({
      type: "json_schema",
      json_schema: { name: "person", description: "A person", schema: PERSON_SCHEMA, strict: true },
    }),
    { type: "json_schema", name: "person", description: "A person", schema: PERSON_SCHEMA, strict: true },
  );
  assert.deepEqual(
    read({ type: "json_schema", json_schema: { name: "person", schema: PERSON_SCHEMA, strict: null } }),
    { type: "json_schema", name: "person", schema: PERSON_SCHEMA },
  );
  // Without a schema OpenAI asks for any JSON: that is JSON mode.
  assert.deepEqual(read({ type: "json_schema", json_schema: { name: "anything" } }), { type: "json_object" });
  assert.equal(read(null), undefined);
  assert.equal(read(undefined), undefined);
});

Deno.test("openAIRequestToCanonical() refuses a response_format it cannot read with a 400 naming the field", () => {
  const read = (responseFormat: unknown) => () =>
    openAIRequestToCanonical({ messages: USER_HI, response_format: responseFormat }, "m");
  assertRequestError(
    read({ type: "regex" }),
    'response_format.type: must be "text", "json_object" or "json_schema"',
    "response_format.type",
  );
  assertRequestError(
    read({ type: "json_schema" }),
    "response_format.json_schema: must be an object",
    "response_format.json_schema",
  );
  assertRequestError(
    read({ type: "json_schema", json_schema: { schema: PERSON_SCHEMA } }),
    "response_format.json_schema.name: must be a string",
    "response_format.json_schema.name",
  );
  assertRequestError(
    read({ type: "json_schema", json_schema: { name: "x", schema: "object" } }),
    "response_format.json_schema.schema: must be a JSON Schema object",
    "response_format.json_schema.schema",
  );
});

Deno.test("canonicalToGeminiRequest() asks for JSON, with the client's JSON Schema as responseJsonSchema", () => {
  assert.deepEqual(generationConfigOf(canonical({ responseFormat: { type: "json_object" } })), {
    responseMimeType: "application/json",
  });
  assert.deepEqual(
    generationConfigOf(canonical({
      responseFormat: { type: "json_schema", name: "person", schema: PERSON_SCHEMA, strict: true },
      temperature: 0,
    })),
    { temperature: 0, responseMimeType: "application/json", responseJsonSchema: PERSON_SCHEMA },
  );
  assert.equal(generationConfigOf(canonical({ responseFormat: { type: "text" } })), undefined);
});

Deno.test("openAIRequestToCanonical() reads seed, presence_penalty and frequency_penalty", () => {
  const request = openAIRequestToCanonical({
    messages: USER_HI,
    seed: 42,
    presence_penalty: 0.5,
    frequency_penalty: -0.25,
  }, "m");
  assert.equal(request.seed, 42);
  assert.equal(request.presencePenalty, 0.5);
  assert.equal(request.frequencyPenalty, -0.25);
  const unset = openAIRequestToCanonical({
    messages: USER_HI,
    seed: null,
    presence_penalty: null,
    frequency_penalty: null,
  }, "m");
  assert.equal("seed" in unset, false);
  assert.equal("presencePenalty" in unset, false);
  assert.equal("frequencyPenalty" in unset, false);
});

Deno.test("canonicalToGeminiRequest() writes seed and only the penalties that are not zero", () => {
  assert.deepEqual(
    generationConfigOf(canonical({ seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.25 })),
    { seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.25 },
  );
  // gemini-2.5-pro answers 400 "Penalty is not enabled" even to a zero penalty.
  assert.deepEqual(generationConfigOf(canonical({ seed: 0, presencePenalty: 0, frequencyPenalty: 0 })), {
    seed: 0,
  });
});

Deno.test("canonicalToOpenAIRequest() writes response_format, seed and penalties back", () => {
  const body = canonicalToOpenAIRequest(canonical({
    responseFormat: { type: "json_schema", name: "person", schema: PERSON_SCHEMA, strict: true },
    seed: 3,
    presencePenalty: 0,
    frequencyPenalty: 1,
  }));
  assert.deepEqual(body.response_format, {
    type: "json_schema",
    json_schema: { name: "person", schema: PERSON_SCHEMA, strict: true },
  });
  assert.equal(body.seed, 3);
  assert.equal(body.presence_penalty, 0);
  assert.equal(body.frequency_penalty, 1);
  const json = canonicalToOpenAIRequest(canonical({ responseFormat: { type: "json_object" } }));
  assert.deepEqual(json.response_format, { type: "json_object" });
  assert.equal("response_format" in canonicalToOpenAIRequest(canonical({})), false);
});

Deno.test("openAIRequestToCanonical() refuses n above 1 with a 400 naming n, and accepts 1 or null", () => {
  assertRequestError(
    () => openAIRequestToCanonical({ messages: USER_HI, n: 2 }, "m"),
    "n: values above 1 are not supported when a provider of another format serves the request",
    "n",
  );
  assert.doesNotThrow(() => openAIRequestToCanonical({ messages: USER_HI, n: 1 }, "m"));
  assert.doesNotThrow(() => openAIRequestToCanonical({ messages: USER_HI, n: null }, "m"));
});

Deno.test("openAIRequestToCanonical() reads a file part's data URL as a base64 document titled by filename", () => {
  const request = openAIRequestToCanonical({
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "Summarize" },
        { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0x", filename: "a.pdf" } },
        { type: "file", file: { file_data: "data:text/csv;base64,YSxi" } },
      ],
    }],
  }, "m");
  assert.deepEqual(request.messages, [{
    role: "user",
    content: [
      { type: "text", text: "Summarize" },
      {
        type: "document",
        source: { kind: "base64", mediaType: "application/pdf", data: "JVBERi0x" },
        title: "a.pdf",
      },
      { type: "document", source: { kind: "base64", mediaType: "text/csv", data: "YSxi" } },
    ],
  }]);
  // And Gemini receives the PDF inline.
  const contents = canonicalToGeminiRequest(request).contents as Array<{ parts: unknown[] }>;
  assert.deepEqual(contents[0].parts[1], { inlineData: { mimeType: "application/pdf", data: "JVBERi0x" } });
});

Deno.test("openAIRequestToCanonical() refuses file_id and file_data that is not a data URL with a 400", () => {
  const withFile = (file: unknown) => () =>
    openAIRequestToCanonical({ messages: [{ role: "user", content: [{ type: "file", file }] }] }, "m");
  // An upload held by OpenAI cannot be fetched for another provider.
  assertRequestError(
    withFile({ file_id: "file-abc" }),
    'messages.0.content.0: content type "file" cannot be translated for this provider',
    "messages.0.content.0",
  );
  assertRequestError(
    withFile({ file_data: "JVBERi0x", filename: "a.pdf" }),
    "messages.0.content.0.file.file_data: must be a data URL (data:<media type>;base64,<data>)",
    "messages.0.content.0.file.file_data",
  );
  assertRequestError(
    withFile("file-abc"),
    "messages.0.content.0.file: must be an object",
    "messages.0.content.0.file",
  );
});

Deno.test("chatCompletionRequestSchema accepts stream: null, and null means not streaming", () => {
  const body = { model: "gemini/gemini-test", messages: USER_HI, stream: null };
  const parsed = chatCompletionRequestSchema.safeParse(body);
  assert.ok(parsed.success);
  assert.equal(parsed.data.stream === true, false);
  assert.equal(openAIRequestToCanonical(body, "m").stream, false);
  assert.equal(chatCompletionRequestSchema.safeParse({ ...body, stream: "yes" }).success, false);
});

Deno.test("chatCompletionRequestSchema checks seed, penalties and response_format shapes", () => {
  const parse = (extra: Record<string, unknown>) =>
    chatCompletionRequestSchema.safeParse({ model: "m", messages: USER_HI, ...extra });
  assert.ok(
    parse({ seed: 1, presence_penalty: 0.1, frequency_penalty: null, response_format: null }).success,
  );
  assert.ok(parse({ response_format: { type: "json_object" } }).success);
  assert.equal(parse({ seed: 1.5 }).success, false);
  assert.equal(parse({ presence_penalty: "high" }).success, false);
  assert.equal(parse({ response_format: "json" }).success, false);
});

Deno.test("canonicalToOpenAIRequest() sends assistant reasoning back as reasoning_content, never empty", () => {
  const call = { type: "tool-call", id: "call_1", name: "get_weather", input: { city: "Paris" } } as const;
  const body = canonicalToOpenAIRequest(canonical({
    messages: [
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "Need the " },
          { type: "reasoning", text: "weather.", signature: "sig" },
          { type: "redacted-reasoning", data: "xx" },
          call,
        ],
      },
      {
        role: "user",
        content: [{
          type: "tool-result",
          toolCallId: "call_1",
          content: [{ type: "text", text: "sunny" }],
          isError: false,
        }],
      },
      { role: "assistant", content: [{ type: "reasoning", text: "" }, { type: "text", text: "Sunny." }] },
    ],
  }));
  assert.deepEqual(body.messages, [
    { role: "user", content: "Weather?" },
    {
      role: "assistant",
      content: null,
      reasoning_content: "Need the weather.",
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      }],
    },
    { role: "tool", tool_call_id: "call_1", content: "sunny" },
    { role: "assistant", content: "Sunny." },
  ]);
});

Deno.test("canonicalToOpenAIRequest() and openAIRequestToCanonical() round-trip reasoning_content", () => {
  const request = openAIRequestToCanonical({
    messages: [
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "4", reasoning_content: "Adding." },
      { role: "user", content: "Sure?" },
    ],
  }, "m");
  const messages = canonicalToOpenAIRequest(request).messages as Array<Record<string, unknown>>;
  assert.deepEqual(messages[1], { role: "assistant", content: "4", reasoning_content: "Adding." });
});
