/**
 * End to end: the Responses front door of the real proxy process on 127.0.0.1, driven by the official
 * `openai` SDK (`responses.create`, `responses.stream`, a function tool loop) in front of fake upstreams of
 * each translated format: OpenAI Chat Completions, Anthropic Messages and Gemini.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import type { ResponseInputItem } from "openai/resources/responses/responses";
import {
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { geminiHandler } from "../helpers/fake_gemini.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const WEATHER_TOOL = {
  type: "function" as const,
  name: "get_weather",
  description: "The weather of a city",
  // What LangChain and the AI SDK send: `strict: null` and `$schema`.
  strict: null as unknown as boolean,
  parameters: {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};

/** An OpenAI Chat Completions upstream that calls `get_weather` until it has the result. */
function chatHandler(request: RecordedRequest): Response {
  const body = request.json ?? {};
  const messages = (body.messages ?? []) as Array<Record<string, unknown>>;
  const calls = Array.isArray(body.tools) && !messages.some((message) => message.role === "tool");
  const base = { id: "chatcmpl-1", created: 1_700_000_000, model: String(body.model) };
  const toolCall = {
    id: "call_chat_1",
    type: "function",
    function: { name: "get_weather", arguments: '{"city":"Paris"}' },
  };
  const text = calls ? null : "Sunny in Paris.";
  if (body.stream !== true) {
    const message = calls
      ? { role: "assistant", content: null, tool_calls: [toolCall] }
      : { role: "assistant", content: text };
    return jsonResponse({
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message, finish_reason: calls ? "tool_calls" : "stop" }],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    });
  }
  const chunk = (delta: unknown, finish: string | null, usage?: unknown) =>
    `data: ${
      JSON.stringify({
        ...base,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...(usage ? { usage } : {}),
      })
    }\n\n`;
  const deltas = calls
    ? [
      chunk({
        role: "assistant",
        tool_calls: [{ index: 0, ...toolCall, function: { name: "get_weather", arguments: "" } }],
      }, null),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null),
    ]
    : [chunk({ role: "assistant", content: "Sunny " }, null), chunk({ content: "in Paris." }, null)];
  return sseResponse([
    ...deltas,
    chunk({}, calls ? "tool_calls" : "stop"),
    chunk({}, null, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 }),
    "data: [DONE]\n\n",
  ]);
}

/** An Anthropic Messages upstream that thinks (signed) and calls `get_weather` until it has the result. */
function anthropicHandler(request: RecordedRequest): Response {
  const body = request.json ?? {};
  const messages = (body.messages ?? []) as Array<{ content: unknown }>;
  const hasResult = messages.some((message) =>
    Array.isArray(message.content) && message.content.some((block) => block?.type === "tool_result")
  );
  const calls = Array.isArray(body.tools) && !hasResult;
  const thinking = { type: "thinking", thinking: "Let me check.", signature: "sig-anthropic-1" };
  const toolUse = { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } };
  const text = { type: "text", text: "Sunny in Paris." };
  const content = calls ? [thinking, toolUse] : [text];
  const usage = {
    input_tokens: 12,
    output_tokens: 5,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
  const message = {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: String(body.model),
    stop_reason: calls ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage,
  };
  if (body.stream !== true) return jsonResponse({ ...message, content });
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const blocks = calls
    ? [
      event("content_block_start", {
        index: 0,
        content_block: { type: "thinking", thinking: "", signature: "" },
      }),
      event("content_block_delta", {
        index: 0,
        delta: { type: "thinking_delta", thinking: "Let me check." },
      }),
      event("content_block_delta", {
        index: 0,
        delta: { type: "signature_delta", signature: "sig-anthropic-1" },
      }),
      event("content_block_stop", { index: 0 }),
      event("content_block_start", { index: 1, content_block: { ...toolUse, input: {} } }),
      event("content_block_delta", {
        index: 1,
        delta: { type: "input_json_delta", partial_json: '{"city":"Paris"}' },
      }),
      event("content_block_stop", { index: 1 }),
    ]
    : [
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Sunny " } }),
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text: "in Paris." } }),
      event("content_block_stop", { index: 0 }),
    ];
  return sseResponse([
    event("message_start", {
      message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
    }),
    ...blocks,
    event("message_delta", {
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: 5 },
    }),
    event("message_stop", {}),
  ]);
}

Deno.test("Responses front door end to end, translated to every upstream format", async (t) => {
  const chat = startFakeUpstream(chatHandler);
  const anthropic = startFakeUpstream(anthropicHandler);
  const gemini = startFakeUpstream(geminiHandler);
  const proxy = await startProxy({
    env: {
      MYLOCAL_API_BASE: chat.baseUrl,
      MYLOCAL_API_KEY: "sk-chat-aaaaaaaaaaaaaaaa1111",
      ANTHROPIC_API_BASE: anthropic.origin,
      ANTHROPIC_API_KEY: "sk-ant-bbbbbbbbbbbbbbbb2222",
      GEMINI_API_BASE: gemini.origin,
      GEMINI_API_KEY: "AIza-cccccccccccccccc3333",
      // Codex CLI without a model flag asks for a bare OpenAI name.
      DEFAULT_PROVIDER_RESPONSES: "mylocal",
    },
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const upstreams = [
    { name: "OpenAI chat", model: "mylocal/gpt-test", requests: chat.requests, text: /^Sunny in Paris\.$/ },
    {
      name: "Anthropic",
      model: "anthropic/claude-test",
      requests: anthropic.requests,
      text: /^Sunny in Paris\.$/,
    },
    { name: "Gemini", model: "gemini/gemini-test", requests: gemini.requests, text: /^Hello from Gemini$/ },
  ];
  try {
    for (const { name, model, requests, text } of upstreams) {
      await t.step(`${name}: responses.create answers text with usage`, async () => {
        const response = await client.responses.create({
          model,
          instructions: "Be brief.",
          input: "Weather in Paris?",
          max_output_tokens: 200,
        });
        assert.equal(response.object, "response");
        assert.equal(response.status, "completed");
        assert.equal(response.model, model);
        assert.match(response.id, /^resp_/);
        assert.match(response.output_text, text);
        assert.equal(response.instructions, "Be brief.");
        assert.ok((response.usage?.input_tokens ?? 0) > 0);
        assert.ok((response.usage?.output_tokens ?? 0) > 0);
      });

      await t.step(`${name}: responses.stream gives the documented event order`, async () => {
        const stream = client.responses.stream({ model, input: "Weather in Paris?" });
        const types: string[] = [];
        const sequence: number[] = [];
        for await (const event of stream) {
          types.push(event.type);
          sequence.push(event.sequence_number);
        }
        const final = await stream.finalResponse();
        assert.equal(types[0], "response.created");
        assert.equal(types[1], "response.in_progress");
        assert.equal(types.at(-1), "response.completed");
        const order = [
          "response.output_item.added",
          "response.content_part.added",
          "response.output_text.delta",
          "response.output_text.done",
          "response.content_part.done",
          "response.output_item.done",
        ];
        const positions = order.map((type) => types.indexOf(type));
        assert.deepEqual(positions, [...positions].sort((a, b) => a - b), types.join(", "));
        assert.ok(positions.every((position) => position > 1));
        assert.deepEqual(sequence, sequence.map((_, index) => index));
        assert.match(final.output_text, text);
        assert.ok((final.usage?.total_tokens ?? 0) > 0);
        // Kept before the stream ended: retrievable at once.
        assert.equal((await client.responses.retrieve(final.id)).output_text, final.output_text);
      });

      await t.step(`${name}: a follow-up sent the moment response.completed arrives finds it`, async () => {
        const stream = client.responses.stream({ model, input: "Weather in Paris?" });
        let followUp: string | null = null;
        for await (const event of stream) {
          if (event.type !== "response.completed") continue;
          // Before the stream is drained: the response was kept before its terminal event went out.
          const next = await client.responses.create({
            model,
            previous_response_id: event.response.id,
            input: "And tomorrow?",
          });
          assert.equal(next.previous_response_id, event.response.id);
          followUp = next.id;
        }
        assert.ok(followUp !== null, "no response.completed");
      });

      await t.step(`${name}: a function tool loop, stored (previous_response_id) and stateless`, async () => {
        const first = await client.responses.create({
          model,
          input: "Weather in Paris?",
          tools: [WEATHER_TOOL],
        });
        const call = first.output.find((item) => item.type === "function_call");
        assert.ok(call?.type === "function_call", JSON.stringify(first.output));
        assert.equal(call.name, "get_weather");
        assert.deepEqual(JSON.parse(call.arguments), { city: "Paris" });
        const result: ResponseInputItem = {
          type: "function_call_output",
          call_id: call.call_id,
          output: "22°C, sunny",
        };

        const stored = await client.responses.create({
          model,
          previous_response_id: first.id,
          input: [result],
          tools: [WEATHER_TOOL],
        });
        assert.match(stored.output_text, /sunny in Paris/i);
        assert.equal(stored.previous_response_id, first.id);

        // Codex CLI: the whole history every turn, `store: false`, reasoning carried in `encrypted_content`.
        requests.length = 0;
        const streamed = client.responses.stream({
          model,
          store: false,
          include: ["reasoning.encrypted_content"],
          input: [
            { role: "developer", content: "You are a weather bot." },
            { role: "user", content: "Weather in Paris?" },
            ...(first.output as ResponseInputItem[]),
            result,
          ],
          tools: [WEATHER_TOOL],
        });
        const final = await streamed.finalResponse();
        assert.match(final.output_text, /sunny in Paris/i);
        assert.equal(requests.length, 1);
        if (name === "Anthropic") {
          // The signed thinking went out in a reasoning item and came back to Anthropic exactly as signed.
          const sent = JSON.stringify(requests[0].json);
          assert.ok(sent.includes('"signature":"sig-anthropic-1"'), sent);
          assert.ok(sent.includes('"thinking":"Let me check."'), sent);
        }
      });

      await t.step(`${name}: a streamed function call has its output_item.done and arguments`, async () => {
        const stream = client.responses.stream({ model, input: "Weather in Paris?", tools: [WEATHER_TOOL] });
        const done: string[] = [];
        for await (const event of stream) {
          if (event.type === "response.output_item.done") done.push(event.item.type);
        }
        const final = await stream.finalResponse();
        const call = final.output.find((item) => item.type === "function_call");
        assert.ok(call?.type === "function_call");
        assert.deepEqual(JSON.parse(call.arguments), { city: "Paris" });
        assert.ok(done.includes("function_call"));
      });
    }

    await t.step(
      "GET and DELETE /v1/responses/{id}; a deleted id is unknown to previous_response_id",
      async () => {
        const created = await client.responses.create({ model: "mylocal/gpt-test", input: "Hi" });
        const fetched = await client.responses.retrieve(created.id);
        assert.equal(fetched.id, created.id);
        assert.equal(fetched.output_text, created.output_text);
        const items = await client.responses.inputItems.list(created.id);
        assert.equal(items.data.length, 1);
        await client.responses.delete(created.id);
        await assert.rejects(client.responses.retrieve(created.id), (error: unknown) => {
          assert.ok(error instanceof OpenAI.NotFoundError);
          return true;
        });
        await assert.rejects(
          client.responses.create({
            model: "mylocal/gpt-test",
            input: "Hi",
            previous_response_id: created.id,
          }),
          (error: unknown) => {
            assert.ok(error instanceof OpenAI.BadRequestError);
            assert.equal(error.message, `400 Previous response with id '${created.id}' not found.`);
            assert.equal(error.param, "previous_response_id");
            return true;
          },
        );
      },
    );

    await t.step(
      "item_reference items name kept items, as the AI SDK sends past answers with store: true",
      async () => {
        const first = await client.responses.create({
          model: "anthropic/claude-test",
          input: "Weather?",
          tools: [WEATHER_TOOL],
        });
        const call = first.output.find((item) => item.type === "function_call");
        assert.ok(call?.type === "function_call" && call.id);
        anthropic.requests.length = 0;
        const second = await client.responses.create({
          model: "anthropic/claude-test",
          tools: [WEATHER_TOOL],
          input: [
            { role: "user", content: "Weather?" },
            ...first.output.map((item) => ({ type: "item_reference" as const, id: item.id! })),
            { type: "function_call_output", call_id: call.call_id, output: "22°C" },
          ],
        });
        assert.match(second.output_text, /Sunny in Paris/);
        const sent = JSON.stringify(anthropic.requests[0].json);
        assert.ok(sent.includes('"signature":"sig-anthropic-1"'), sent);
        await assert.rejects(
          client.responses.create({
            model: "anthropic/claude-test",
            input: [{ role: "user", content: "Hi" }, { type: "item_reference", id: "msg_unknown" }],
          }),
          (error: unknown) => {
            assert.ok(error instanceof OpenAI.BadRequestError);
            assert.equal(error.message, "400 Item with id 'msg_unknown' not found.");
            return true;
          },
        );
      },
    );

    await t.step("a bare model name goes to DEFAULT_PROVIDER_RESPONSES", async () => {
      chat.requests.length = 0;
      const response = await client.responses.create({ model: "gpt-test", input: "Hi" });
      assert.equal(response.model, "gpt-test");
      assert.equal(chat.requests[0].json?.model, "gpt-test");
    });

    await t.step("store: false keeps nothing", async () => {
      const created = await client.responses.create({ model: "mylocal/gpt-test", input: "Hi", store: false });
      await assert.rejects(client.responses.retrieve(created.id), OpenAI.NotFoundError);
    });

    await t.step("bad input gets a 400 in OpenAI's shape, never a 500", async () => {
      const post = (body: unknown) =>
        fetch(`${proxy.url}/v1/responses`, {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const cases: Array<[unknown, string, string]> = [
        [{ model: "mylocal/gpt-test", input: [{ type: "mystery_item" }] }, "input.0.type", "mystery_item"],
        [
          {
            model: "mylocal/gpt-test",
            input: [{ type: "function_call_output", call_id: "call_x", output: "1" }],
          },
          "input.0.call_id",
          "No tool call found for function call output with call_id call_x.",
        ],
        [{ model: "mylocal/gpt-test", input: [{ role: "robot", content: "hi" }] }, "input.0.role", "robot"],
        [{ input: "hi" }, "model", "model"],
        [
          { model: "mylocal/gpt-test", input: "hi", reasoning: { effort: "extreme" } },
          "reasoning.effort",
          "extreme",
        ],
      ];
      for (const [body, param, words] of cases) {
        const response = await post(body);
        assert.equal(response.status, 400, JSON.stringify(body));
        const json = await response.json();
        assert.equal(json.error.type, "invalid_request_error");
        assert.equal(json.error.param, param);
        assert.ok(json.error.message.includes(words), json.error.message);
      }
      // Odd shapes, each a 400 naming its field (never a 500), for every translated upstream.
      const odd: unknown[] = [
        { input: [null] },
        { input: [{ type: "message" }] },
        { input: [{ role: "user", content: 5 }] },
        { input: [{ role: "user", content: [{ type: "input_image" }] }] },
        { input: [{ role: "user", content: [{ type: "input_file", file_id: "file-1" }] }] },
        { input: [{ type: "function_call", call_id: "c", name: "f", arguments: "[1]" }] },
        { input: [{ type: "function_call", name: "f", arguments: "{}" }] },
        {
          input: [
            { type: "function_call", call_id: "c", name: "f", arguments: "{}" },
            { type: "function_call_output", call_id: "c", output: 5 },
          ],
        },
        { input: [{ type: "reasoning", summary: "x" }] },
        { input: "hi", tools: [{ type: "function" }] },
        { input: "hi", tools: [{ type: "namespace", tools: [] }] },
        { input: "hi", text: { format: { type: "json_schema", name: "x" } } },
        { input: "hi", text: { format: { type: "yaml" } } },
        { input: "hi", previous_response_id: "" },
        { input: "hi", instructions: 5 },
        { input: "hi", max_output_tokens: 0 },
        { input: "hi", background: true },
        { input: 7 },
      ];
      for (const model of ["mylocal/gpt-test", "anthropic/claude-test", "gemini/gemini-test"]) {
        for (const body of odd) {
          const response = await post({ model, ...(body as object) });
          const json = await response.json();
          assert.equal(response.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(json)}`);
          assert.equal(json.error.type, "invalid_request_error");
          assert.equal(typeof json.error.param, "string", JSON.stringify(json));
        }
      }
    });
  } finally {
    await proxy.stop();
    await Promise.all([chat.close(), anthropic.close(), gemini.close()]);
  }
});
