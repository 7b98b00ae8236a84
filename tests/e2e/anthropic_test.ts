/**
 * End to end: the Anthropic front door with the official @anthropic-ai/sdk, in front of an
 * OpenAI-format upstream (translated) and an Anthropic-native one (passed through), and the OpenAI
 * front door in front of the Anthropic-native upstream.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  anthropicMessage,
  anthropicStreamEvents,
  chatCompletion,
  chatCompletionChunks,
  defaultOpenAIHandler,
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const OPENAI_KEY = "sk-openai-format-aaaaaaaa1111";
const ANTHROPIC_KEY = "sk-ant-native-bbbbbbbbbb2222";

/** Answers tool-calling conversations like an OpenAI model that checks the weather. */
function weatherModel(request: RecordedRequest): Response {
  if (!request.path.endsWith("/chat/completions")) return defaultOpenAIHandler(request);
  const body = request.json ?? {};
  const messages = body.messages as Array<Record<string, unknown>>;
  const hasToolResult = messages.some((message) => message.role === "tool");
  if (!Array.isArray(body.tools) || hasToolResult) {
    const text = hasToolResult ? "It is sunny in Paris." : "Hello, world";
    if (body.stream) return sseResponse(chatCompletionChunks("gpt-test", text.split(" ")));
    return jsonResponse(chatCompletion("gpt-test", text));
  }
  const call = { id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: "" } };
  if (body.stream) {
    const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown) =>
      `data: ${
        JSON.stringify({
          id: "chatcmpl-tool",
          object: "chat.completion.chunk",
          created: 1,
          model: "gpt-test",
          choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
          ...(usage ? { usage } : {}),
        })
      }\n\n`;
    return sseResponse([
      chunk({ role: "assistant", content: null }, null),
      chunk({ tool_calls: [{ index: 0, ...call }] }, null),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null),
      chunk({}, "tool_calls"),
      chunk({}, null, { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 }),
      "data: [DONE]\n\n",
    ]);
  }
  return jsonResponse({
    id: "chatcmpl-tool",
    object: "chat.completion",
    created: 1,
    model: "gpt-test",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ ...call, function: { ...call.function, arguments: '{"city":"Paris"}' } }],
      },
      finish_reason: "tool_calls",
    }],
    usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 },
  });
}

/** Answers like the Anthropic Messages API. */
function anthropicNative(request: RecordedRequest): Response {
  if (request.path === "/v1/models") {
    return jsonResponse({ data: [{ id: "claude-test", type: "model" }], has_more: false });
  }
  if (request.path === "/v1/messages/count_tokens") return jsonResponse({ input_tokens: 4242 });
  if (request.path !== "/v1/messages") {
    return jsonResponse({ type: "error", error: { type: "not_found_error", message: "no" } }, 404);
  }
  if (request.json?.stream) return sseResponse(anthropicStreamEvents("claude-test", ["Native", " stream"]));
  return jsonResponse({
    ...anthropicMessage("claude-test", "Native answer"),
    content: [
      { type: "thinking", thinking: "Let me think.", signature: "sig-EqQBCkYIARgCIkA" },
      {
        type: "text",
        text: "Native answer",
        citations: [{
          type: "char_location",
          cited_text: "x",
          document_index: 0,
          start_char_index: 0,
          end_char_index: 1,
        }],
      },
    ],
  });
}

Deno.test("Anthropic front door end to end", async (t) => {
  const openaiUpstream = startFakeUpstream(weatherModel);
  const anthropicUpstream = startFakeUpstream(anthropicNative);
  const failing = startFakeUpstream(() => jsonResponse({ error: { message: "boom" } }, 500));
  const proxy = await startProxy({
    env: {
      MYLOCAL_API_BASE: openaiUpstream.baseUrl,
      MYLOCAL_API_KEY: OPENAI_KEY,
      ANTHROPIC_API_BASE: anthropicUpstream.origin,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      BROKEN_API_BASE: failing.baseUrl,
      BROKEN_API_KEY: "sk-broken-cccccccccc3333",
    },
  });
  const client = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: {
        "x-api-key": TEST_PROXY_KEY,
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  try {
    await t.step("plain text through an OpenAI-format provider", async () => {
      openaiUpstream.requests.length = 0;
      // Sampling fields are not in this SDK's types any more, but clients still send them.
      const params = {
        model: "mylocal/gpt-test",
        max_tokens: 100,
        system: "Be brief.",
        messages: [{ role: "user" as const, content: "Hi" }],
        stop_sequences: ["END"],
        temperature: 0.5,
      };
      const message = await client.messages.create(params);
      assert.equal(message.type, "message");
      assert.equal(message.role, "assistant");
      assert.equal(message.model, "mylocal/gpt-test");
      assert.deepEqual(message.content, [{ type: "text", text: "Hello, world" }]);
      assert.equal(message.stop_reason, "end_turn");
      assert.equal(message.usage.input_tokens, 5);
      assert.equal(message.usage.output_tokens, 2);
      const sent = openaiUpstream.requests[0].json!;
      assert.equal(sent.model, "gpt-test");
      assert.equal(sent.max_tokens, 100);
      assert.deepEqual(sent.stop, ["END"]);
      assert.equal(sent.temperature, 0.5);
      assert.deepEqual(sent.messages, [{ role: "system", content: "Be brief." }, {
        role: "user",
        content: "Hi",
      }]);
      assert.equal(openaiUpstream.requests[0].headers.get("authorization"), `Bearer ${OPENAI_KEY}`);
    });

    await t.step("a streamed reply arrives in Anthropic's exact event order", async () => {
      const stream = client.messages.stream({
        model: "mylocal/gpt-test",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
      });
      let text = "";
      stream.on("text", (delta) => text += delta);
      const final = await stream.finalMessage();
      assert.equal(text, "Hello,world");
      assert.equal(final.content[0].type, "text");
      assert.equal(final.stop_reason, "end_turn");

      const raw = await post("/v1/messages", {
        model: "mylocal/gpt-test",
        max_tokens: 100,
        stream: true,
        messages: [{ role: "user", content: "Hi" }],
      });
      assert.match(raw.headers.get("content-type") ?? "", /text\/event-stream/);
      const names = [...(await raw.text()).matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
      assert.deepEqual(names, [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
      ]);
    });

    await t.step("a tool-use round trip (JSON and streamed)", async () => {
      const tools: Anthropic.Tool[] = [{
        name: "get_weather",
        description: "Weather of a city",
        input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      }];
      const question: Anthropic.MessageParam = { role: "user", content: "Weather in Paris?" };
      const first = await client.messages.create({
        model: "mylocal/gpt-test",
        max_tokens: 200,
        tools,
        messages: [question],
      });
      assert.equal(first.stop_reason, "tool_use");
      const toolUse = first.content.find((block) => block.type === "tool_use");
      assert.ok(toolUse && toolUse.type === "tool_use");
      assert.equal(toolUse.name, "get_weather");
      assert.deepEqual(toolUse.input, { city: "Paris" });
      const sentTools = openaiUpstream.requests.at(-1)!.json!.tools as Array<Record<string, unknown>>;
      assert.deepEqual(sentTools[0], {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather of a city",
          parameters: tools[0].input_schema,
        },
      });

      const streamed = await client.messages.stream({
        model: "mylocal/gpt-test",
        max_tokens: 200,
        tools,
        messages: [question],
      })
        .finalMessage();
      assert.equal(streamed.stop_reason, "tool_use");
      const streamedUse = streamed.content.find((block) => block.type === "tool_use");
      assert.ok(streamedUse && streamedUse.type === "tool_use");
      assert.deepEqual(streamedUse.input, { city: "Paris" });

      const final = await client.messages.create({
        model: "mylocal/gpt-test",
        max_tokens: 200,
        tools,
        messages: [
          question,
          { role: "assistant", content: first.content },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "sunny, 24°C" }],
          },
        ],
      });
      assert.deepEqual(final.content, [{ type: "text", text: "It is sunny in Paris." }]);
      const sentMessages = openaiUpstream.requests.at(-1)!.json!.messages as Array<Record<string, unknown>>;
      assert.deepEqual(sentMessages.slice(1), [
        {
          role: "assistant",
          content: null,
          tool_calls: [{
            id: toolUse.id,
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          }],
        },
        { role: "tool", tool_call_id: toolUse.id, content: "sunny, 24°C" },
      ]);
    });

    await t.step("an Anthropic-native provider gets the body and returns the answer untouched", async () => {
      anthropicUpstream.requests.length = 0;
      const body = {
        model: "anthropic/claude-test",
        max_tokens: 300,
        thinking: { type: "enabled", budget_tokens: 1024 },
        system: [{ type: "text", text: "Cached system", cache_control: { type: "ephemeral" } }],
        messages: [{
          role: "user",
          content: [{ type: "text", text: "Hi", cache_control: { type: "ephemeral" } }],
        }],
        future_field: { kept: true },
      };
      const response = await post("/v1/messages", body, {
        "anthropic-beta": "interleaved-thinking-2025-05-14",
      });
      assert.equal(response.status, 200);
      const answer = await response.json();
      const upstreamAnswer = anthropicNative(anthropicUpstream.requests[0]);
      assert.deepEqual(answer, await upstreamAnswer.json());
      const sent = anthropicUpstream.requests[0];
      assert.equal(sent.headers.get("x-api-key"), ANTHROPIC_KEY);
      assert.equal(sent.headers.get("anthropic-version"), "2023-06-01");
      assert.equal(sent.headers.get("anthropic-beta"), "interleaved-thinking-2025-05-14");
      assert.deepEqual(sent.json, { ...body, model: "claude-test" });

      const stream = await post("/v1/messages", { ...body, stream: true });
      assert.equal(await stream.text(), anthropicStreamEvents("claude-test", ["Native", " stream"]).join(""));
    });

    await t.step("count_tokens: the native count endpoint, or a local estimate", async () => {
      const native = await client.messages.countTokens({
        model: "anthropic/claude-test",
        messages: [{ role: "user", content: "Hello there" }],
      });
      assert.equal(native.input_tokens, 4242);
      const counted = anthropicUpstream.requests.find((request) =>
        request.path === "/v1/messages/count_tokens"
      );
      assert.deepEqual(counted?.json, {
        model: "claude-test",
        messages: [{ role: "user", content: "Hello there" }],
      });

      const short = await client.messages.countTokens({
        model: "mylocal/gpt-test",
        messages: [{ role: "user", content: "Hi" }],
      });
      const long = await client.messages.countTokens({
        model: "mylocal/gpt-test",
        messages: [{ role: "user", content: "The quick brown fox jumps over the lazy dog. ".repeat(50) }],
      });
      assert.ok(short.input_tokens > 0 && short.input_tokens < 20, String(short.input_tokens));
      assert.ok(long.input_tokens > 400 && long.input_tokens < 700, String(long.input_tokens));
    });

    await t.step("count_tokens leaves Anthropic-only tools and blocks to a native provider", async () => {
      anthropicUpstream.requests.length = 0;
      const body = {
        model: "anthropic/claude-test",
        messages: [{ role: "user", content: [{ type: "some_future_block", payload: 1 }] }],
        tools: [{ type: "browser_toolset_20260801" }],
      };
      const response = await post("/v1/messages/count_tokens", body);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { input_tokens: 4242 });
      const counted = anthropicUpstream.requests.find((request) =>
        request.path === "/v1/messages/count_tokens"
      );
      assert.deepEqual(counted?.json, { ...body, model: "claude-test" });
      // A local estimate must translate, so it still names what it cannot read.
      const local = await post("/v1/messages/count_tokens", { ...body, model: "mylocal/gpt-test" });
      assert.equal(local.status, 400);
      assert.match((await local.json()).error.message, /messages\.0\.content\.0\.type/);
    });

    await t.step("Claude Code's newer bodies are translated, not refused", async () => {
      openaiUpstream.requests.length = 0;
      anthropicUpstream.requests.length = 0;
      const body = {
        model: "mylocal/gpt-test",
        max_tokens: 0,
        thinking: { type: "between_tools" },
        tools: [
          { type: "mcp_toolset", mcp_server_name: "srv" },
          { type: "browser_toolset_20260801" },
          { name: "Read", input_schema: { type: "object" } },
        ],
        messages: [
          { role: "user", content: "Hi" },
          {
            role: "assistant",
            content: [
              { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "x" } },
              { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
              { type: "text", text: "Hello" },
            ],
          },
          { role: "system", content: "The user switched to plan mode." },
        ],
      };
      const response = await post("/v1/messages", body, {
        "anthropic-beta": "mid-conversation-system-2026-04-07",
      });
      assert.equal(response.status, 200, await response.clone().text());
      const sent = openaiUpstream.requests[0].json!;
      assert.equal(sent.max_tokens, 1, "max_tokens 0 only warms a cache: one token is the closest request");
      // Next to a custom tool, Anthropic's own toolsets are left out.
      assert.deepEqual(sent.tools, [{
        type: "function",
        function: { name: "Read", parameters: { type: "object" } },
      }]);
      assert.deepEqual(sent.messages, [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "<system-reminder>\nThe user switched to plan mode.\n</system-reminder>" },
      ]);

      const native = await post("/v1/messages", { ...body, model: "anthropic/claude-test" });
      assert.equal(native.status, 200);
      assert.deepEqual(anthropicUpstream.requests[0].json, { ...body, model: "claude-test" });
    });

    await t.step("a Claude Code session reading a PDF reaches an OpenAI-format provider", async () => {
      openaiUpstream.requests.length = 0;
      const pdf = { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" };
      const body = {
        model: "mylocal/gpt-test",
        max_tokens: 32000,
        thinking: { type: "adaptive" },
        output_config: { effort: "xhigh" },
        system: [
          {
            type: "text",
            text: "x-anthropic-billing-header: cc_version=2.1.22.f3a; cc_entrypoint=cli; cch=36ee5;",
          },
          { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
        ],
        tools: [{ name: "Read", input_schema: { type: "object" } }],
        messages: [
          { role: "user", content: "Summarize /tmp/a.pdf" },
          {
            role: "assistant",
            content: [{
              type: "tool_use",
              id: "toolu_read",
              name: "Read",
              input: { file_path: "/tmp/a.pdf" },
            }],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_read", content: "PDF file read: /tmp/a.pdf" },
              { type: "document", source: pdf },
            ],
          },
        ],
      };
      const response = await post("/v1/messages", body);
      assert.equal(response.status, 200, await response.clone().text());
      const sent = openaiUpstream.requests[0].json!;
      assert.equal(sent.reasoning_effort, "high");
      assert.deepEqual((sent.messages as unknown[]).slice(0, 1), [
        { role: "system", content: "You are Claude Code." },
      ]);
      assert.deepEqual((sent.messages as unknown[]).slice(3), [
        { role: "tool", tool_call_id: "toolu_read", content: "PDF file read: /tmp/a.pdf" },
        {
          role: "user",
          content: [{
            type: "file",
            file: { filename: "document.pdf", file_data: "data:application/pdf;base64,JVBERi0xLjQK" },
          }],
        },
      ]);
    });

    await t.step(
      "Claude Code's WebSearch request is refused off Anthropic, served by a native provider",
      async () => {
        openaiUpstream.requests.length = 0;
        anthropicUpstream.requests.length = 0;
        const body = {
          model: "mylocal/gpt-test",
          max_tokens: 1024,
          tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 8 }],
          messages: [{ role: "user", content: "Perform a web search for the query: deno" }],
        };
        const refused = await post("/v1/messages", body);
        assert.equal(refused.status, 400);
        const error = await refused.json();
        assert.equal(error.error.type, "invalid_request_error");
        assert.match(
          error.error.message,
          /^tools\.0\.type: .*server tools such as web_search run only on Anthropic-native/,
        );
        assert.equal(openaiUpstream.requests.length, 0);

        const native = await post("/v1/messages", { ...body, model: "anthropic/claude-test" });
        assert.equal(native.status, 200);
        assert.deepEqual(anthropicUpstream.requests[0].json, { ...body, model: "claude-test" });
      },
    );

    await t.step("translated requests get range checks that Anthropic would apply", async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ temperature: 1.5 }, "temperature: Input should be less than or equal to 1"],
        [{ top_k: -1 }, "top_k: Input should be greater than or equal to 0"],
        [
          { thinking: { type: "enabled", budget_tokens: 500 } },
          "thinking.budget_tokens: Input should be greater than or equal to 1024",
        ],
        [
          { messages: [{ role: "user", content: [] }] },
          "messages.0: all messages must have non-empty content except for the optional final assistant message",
        ],
      ];
      for (const [fields, message] of cases) {
        const response = await post("/v1/messages", {
          model: "mylocal/gpt-test",
          max_tokens: 100,
          messages: [{ role: "user", content: "x" }],
          ...fields,
        });
        assert.equal(response.status, 400);
        const error = await response.json();
        assert.equal(error.error.type, "invalid_request_error");
        assert.equal(error.error.message, message);
      }
      const budget = {
        model: "mylocal/gpt-test",
        max_tokens: 300,
        messages: [{ role: "user", content: "x" }],
      };
      const thinking = { type: "enabled", budget_tokens: 1024 };
      const refused = await post("/v1/messages", { ...budget, thinking });
      assert.equal(refused.status, 400);
      assert.equal(
        (await refused.json()).error.message,
        "max_tokens: must be greater than thinking.budget_tokens",
      );
      // With interleaved thinking the budget spans the turn and may exceed max_tokens.
      const interleaved = await post("/v1/messages", { ...budget, thinking }, {
        "anthropic-beta": "interleaved-thinking-2025-05-14",
      });
      assert.equal(interleaved.status, 200);
    });

    await t.step("bad input gets Anthropic-shaped 400s", async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ model: "mylocal/gpt-test", messages: [{ role: "user", content: "x" }] }, /max_tokens/],
        [{
          model: "mylocal/gpt-test",
          max_tokens: 10,
          messages: [{ role: "user", content: [{ type: "banana", text: "x" }] }],
        }, /messages\.0\.content\.0/],
        ["{not json", /not valid JSON/],
      ];
      for (const [body, pattern] of cases) {
        const response = await post("/v1/messages", body);
        assert.equal(response.status, 400);
        const error = await response.json();
        assert.equal(error.type, "error");
        assert.equal(error.error.type, "invalid_request_error");
        assert.match(error.error.message, pattern);
      }
      const unauthorized = await post("/v1/messages", { model: "x/y" }, { "x-api-key": "wrong" });
      assert.equal(unauthorized.status, 401);
      assert.equal((await unauthorized.json()).error.type, "authentication_error");
      await assert.rejects(
        client.messages.create({
          model: "mylocal/gpt-test",
          max_tokens: 5,
          messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: 5 } as never] }],
        }),
        (error: unknown) => error instanceof Anthropic.BadRequestError,
      );
    });

    await t.step("an upstream failure is an Anthropic error, never an empty message", async () => {
      await assert.rejects(
        client.messages.create({
          model: "broken/m",
          max_tokens: 5,
          messages: [{ role: "user", content: "x" }],
        }),
        (error: unknown) => error instanceof Anthropic.InternalServerError && error.status === 500,
      );
      const response = await post("/v1/messages", {
        model: "broken/m",
        max_tokens: 5,
        messages: [{ role: "user", content: "x" }],
      });
      const body = await response.json();
      assert.equal(body.type, "error");
      assert.equal(body.error.type, "api_error");
    });

    await t.step("the OpenAI front door is served by an Anthropic-native provider", async () => {
      const openai = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      anthropicUpstream.requests.length = 0;
      const completion = await openai.chat.completions.create({
        model: "anthropic/claude-test",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
        max_tokens: 50,
      });
      assert.equal(completion.choices[0].message.content, "Native answer");
      assert.equal(completion.choices[0].finish_reason, "stop");
      assert.equal(completion.usage?.prompt_tokens, 15);
      const sent = anthropicUpstream.requests[0].json!;
      assert.equal(sent.system, "Be brief.");
      assert.deepEqual(sent.messages, [{ role: "user", content: [{ type: "text", text: "Hi" }] }]);
      assert.equal(sent.max_tokens, 50);

      const stream = await openai.chat.completions.create({
        model: "anthropic/claude-test",
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
      assert.equal(text, "Native stream");
      assert.equal(usage?.completion_tokens, 2);
    });
  } finally {
    await proxy.stop();
    await openaiUpstream.close();
    await anthropicUpstream.close();
    await failing.close();
  }
});
