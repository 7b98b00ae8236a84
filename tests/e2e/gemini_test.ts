/** End to end: the openai and @anthropic-ai/sdk clients in front of a Gemini-native fake upstream. */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { geminiHandler } from "../helpers/fake_gemini.ts";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const GEMINI_KEY = "AIza-fake-gemini-key-000001";

Deno.test("Gemini-native provider behind both front doors", async (t) => {
  const upstream = startFakeUpstream(geminiHandler);
  const proxy = await startProxy({ env: { GEMINI_API_BASE: upstream.origin, GEMINI_API_KEY: GEMINI_KEY } });
  const openai = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const tools: OpenAI.ChatCompletionTool[] = [{
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather of a city",
      parameters: {
        type: "object",
        properties: { city: { type: "string" } },
        required: ["city"],
        additionalProperties: false,
      },
    },
  }];
  try {
    await t.step("openai SDK, JSON: request built for generateContent, answer translated", async () => {
      upstream.requests.length = 0;
      const completion = await openai.chat.completions.create({
        model: "gemini/gemini-test",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
        max_tokens: 64,
        temperature: 0.3,
      });
      assert.equal(completion.choices[0].message.content, "Hello from Gemini");
      assert.equal(completion.choices[0].finish_reason, "stop");
      assert.equal(completion.usage?.prompt_tokens, 11);
      assert.equal(completion.usage?.completion_tokens, 3);
      const sent = upstream.requests[0];
      assert.equal(sent.path, "/v1beta/models/gemini-test:generateContent");
      assert.equal(sent.headers.get("x-goog-api-key"), GEMINI_KEY);
      assert.equal(sent.search, "");
      assert.deepEqual(sent.json?.systemInstruction, { parts: [{ text: "Be brief." }] });
      assert.deepEqual(sent.json?.contents, [{ role: "user", parts: [{ text: "Hi" }] }]);
      const generation = sent.json?.generationConfig as Record<string, unknown>;
      assert.equal(generation.maxOutputTokens, 64);
      assert.equal(generation.temperature, 0.3);
      assert.equal("model" in (sent.json ?? {}), false);
    });

    await t.step("openai SDK, streaming with usage", async () => {
      const stream = await openai.chat.completions.create({
        model: "gemini/gemini-test",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        usage = chunk.usage ?? usage;
      }
      assert.equal(text, "Hello from Gemini");
      assert.equal(usage?.total_tokens, 14);
      assert.equal(upstream.requests.at(-1)?.path, "/v1beta/models/gemini-test:streamGenerateContent");
      assert.equal(upstream.requests.at(-1)?.search, "?alt=sse");
    });

    await t.step("openai SDK, a tool call and its result", async () => {
      const first = await openai.chat.completions.create({
        model: "gemini/gemini-test",
        messages: [{ role: "user", content: "Weather in Paris?" }],
        tools,
      });
      const call = first.choices[0].message.tool_calls?.[0];
      assert.equal(first.choices[0].finish_reason, "tool_calls");
      assert.ok(call && call.type === "function");
      assert.equal(call.function.name, "get_weather");
      assert.deepEqual(JSON.parse(call.function.arguments), { city: "Paris" });
      const declared = (upstream.requests.at(-1)?.json?.tools as Array<Record<string, unknown>>)[0];
      const declaration = (declared.functionDeclarations as Array<Record<string, unknown>>)[0];
      assert.equal(declaration.name, "get_weather");
      assert.equal("additionalProperties" in (declaration.parameters as Record<string, unknown>), false);

      const second = await openai.chat.completions.create({
        model: "gemini/gemini-test",
        tools,
        messages: [
          { role: "user", content: "Weather in Paris?" },
          first.choices[0].message,
          { role: "tool", tool_call_id: call.id, content: "sunny" },
        ],
      });
      assert.equal(second.choices[0].message.content, "It is sunny in Paris.");
      const contents = upstream.requests.at(-1)?.json?.contents as Array<{ role: string; parts: unknown[] }>;
      assert.deepEqual(contents.map((content) => content.role), ["user", "model", "user"]);
      const response = contents[2].parts[0] as { functionResponse: { name: string } };
      assert.equal(response.functionResponse.name, "get_weather");
    });

    await t.step("@anthropic-ai/sdk: JSON, streaming and a tool round trip", async () => {
      const message = await anthropic.messages.create({
        model: "gemini/gemini-test",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
      });
      assert.deepEqual(message.content, [{ type: "text", text: "Hello from Gemini" }]);
      assert.equal(message.stop_reason, "end_turn");

      const streamed = await anthropic.messages.stream({
        model: "gemini/gemini-test",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
      }).finalMessage();
      assert.deepEqual(streamed.content, [{ type: "text", text: "Hello from Gemini" }]);

      const anthropicTools: Anthropic.Tool[] = [{
        name: "get_weather",
        input_schema: { type: "object", properties: { city: { type: "string" } } },
      }];
      const question: Anthropic.MessageParam = { role: "user", content: "Weather in Paris?" };
      const first = await anthropic.messages.stream({
        model: "gemini/gemini-test",
        max_tokens: 100,
        tools: anthropicTools,
        messages: [question],
      }).finalMessage();
      assert.equal(first.stop_reason, "tool_use");
      const use = first.content.find((block) => block.type === "tool_use");
      assert.ok(use && use.type === "tool_use");
      assert.deepEqual(use.input, { city: "Paris" });
      const final = await anthropic.messages.create({
        model: "gemini/gemini-test",
        max_tokens: 100,
        tools: anthropicTools,
        messages: [
          question,
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "sunny" }] },
        ],
      });
      assert.deepEqual(final.content, [{ type: "text", text: "It is sunny in Paris." }]);
    });

    await t.step("openai SDK: response_format, seed and penalties reach generationConfig", async () => {
      const schema = {
        type: "object",
        properties: { greeting: { type: "string" } },
        required: ["greeting"],
        additionalProperties: false,
      };
      await openai.chat.completions.create({
        model: "gemini/gemini-test",
        messages: [{ role: "user", content: "Hi" }],
        response_format: { type: "json_schema", json_schema: { name: "greeting", schema, strict: true } },
        seed: 42,
        presence_penalty: 0,
        frequency_penalty: 0.5,
      });
      const generation = upstream.requests.at(-1)?.json?.generationConfig as Record<string, unknown>;
      assert.deepEqual(generation, {
        seed: 42,
        frequencyPenalty: 0.5,
        responseMimeType: "application/json",
        responseJsonSchema: schema,
      });
    });

    await t.step(
      "raw JSON: stream null answers JSON, a PDF file part goes inline, n: 2 is a 400",
      async () => {
        const post = (body: Record<string, unknown>) =>
          fetch(`${proxy.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "authorization": `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
            body: JSON.stringify({ model: "gemini/gemini-test", ...body }),
          });
        const file = { file_data: "data:application/pdf;base64,JVBERi0x", filename: "a.pdf" };
        const response = await post({
          stream: null,
          n: 1,
          messages: [{
            role: "user",
            content: [{ type: "text", text: "Summarize" }, { type: "file", file }],
          }],
        });
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
        const completion = await response.json();
        assert.equal(completion.choices[0].message.content, "Hello from Gemini");
        assert.equal(upstream.requests.at(-1)?.path, "/v1beta/models/gemini-test:generateContent");
        assert.deepEqual(upstream.requests.at(-1)?.json?.contents, [{
          role: "user",
          parts: [{ text: "Summarize" }, { inlineData: { mimeType: "application/pdf", data: "JVBERi0x" } }],
        }]);

        const sent = upstream.requests.length;
        const refused = await post({ n: 2, messages: [{ role: "user", content: "Hi" }] });
        assert.equal(refused.status, 400);
        const { error } = await refused.json();
        assert.equal(error.param, "n");
        assert.match(error.message, /^n: values above 1 are not supported/);
        assert.equal(upstream.requests.length, sent);
      },
    );

    await t.step("models are listed from every page of Gemini's listing", async () => {
      const ids: string[] = [];
      for await (const model of openai.models.list()) ids.push(model.id);
      assert.deepEqual(ids.sort(), ["gemini/gemini-test", "gemini/text-embedding-004"]);
    });
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
