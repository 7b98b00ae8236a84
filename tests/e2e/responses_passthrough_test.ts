/**
 * End to end with a Responses-speaking upstream: Responses clients pass through untouched (the proxy only
 * rebuilds `previous_response_id` conversations), and Chat Completions and Anthropic clients are translated
 * to and from it. The app runs in-process on 127.0.0.1 (no built-in provider speaks Responses yet), driven
 * by the official SDKs over real HTTP.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type RecordedRequest, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { SseParser } from "../../lib/formats/sse.ts";
import { encryptedContentFor } from "../../lib/formats/responses/reasoning_carrier.ts";
import { responsesHandler, serveWithResponsesProvider } from "../helpers/fake_responses.ts";
import { TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const WEATHER_TOOL = {
  type: "function" as const,
  name: "get_weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};

/** The upstream's SSE answer cut after `events` events, its connection broken rather than closed. */
async function brokenStream(answer: Response, events: number): Promise<Response> {
  const text = await answer.text();
  const kept = text.split("\n\n").slice(0, events).map((event) => `${event}\n\n`);
  const encoder = new TextEncoder();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent < kept.length) controller.enqueue(encoder.encode(kept[sent++]));
      else controller.error(new Error("connection reset"));
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** A streamed `/v1/responses` call read as raw SSE events. */
async function streamEvents(url: string, model: string): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, input: "Weather?", stream: true }),
  });
  assert.equal(response.status, 200);
  const parser = new SseParser();
  const events = [...parser.push(await response.text()), ...parser.end()];
  return events.map((event) => {
    const data = JSON.parse(event.data);
    assert.equal(data.type, event.event);
    return data;
  });
}

/** A Chat Completions upstream whose stream breaks after its first text chunk. */
async function brokenChat(request: RecordedRequest): Promise<Response> {
  const chunk = (delta: unknown) =>
    `data: ${
      JSON.stringify({
        id: "c1",
        object: "chat.completion.chunk",
        created: 1,
        model: request.json?.model,
        choices: [{ index: 0, delta, finish_reason: null }],
      })
    }\n\n`;
  return await brokenStream(new Response(chunk({ role: "assistant", content: "Sunny" })), 1);
}

Deno.test("Responses upstream: pass-through for Responses clients, translation for the others", async (t) => {
  const upstream = startFakeUpstream(responsesHandler);
  const chat = startFakeUpstream(brokenChat);
  const proxy = await serveWithResponsesProvider(upstream.baseUrl, {
    BROKEN_API_BASE: chat.baseUrl,
    BROKEN_API_KEY: "sk-broken-bbbbbbbbbbbb2222",
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  try {
    await t.step("responses.create passes the body and the answer through untouched", async () => {
      upstream.requests.length = 0;
      const response = await client.responses.create({
        model: "oairesp/gpt-resp",
        input: "Weather?",
        prompt_cache_key: "session-42",
        include: ["reasoning.encrypted_content"],
        reasoning: { effort: "low", summary: "auto" },
        ...({ vendor_flag: true } as Record<string, unknown>),
      });
      assert.equal(response.id, "resp_upstream_1");
      assert.equal(response.output_text, "Sunny in Paris.");
      const sent = upstream.requests[0].json!;
      assert.equal(upstream.requests[0].path, "/v1/responses");
      assert.equal(sent.model, "gpt-resp");
      assert.equal(sent.prompt_cache_key, "session-42");
      assert.equal(sent.vendor_flag, true);
      assert.deepEqual(sent.reasoning, { effort: "low", summary: "auto" });
      assert.equal(sent.input, "Weather?");
    });

    await t.step(
      "previous_response_id is rebuilt into the input; the upstream never sees our id",
      async () => {
        const first = await client.responses.create({
          model: "oairesp/gpt-resp",
          input: "Weather?",
          tools: [WEATHER_TOOL],
        });
        const call = first.output.find((item) => item.type === "function_call");
        assert.ok(call?.type === "function_call");
        upstream.requests.length = 0;
        const second = await client.responses.create({
          model: "oairesp/gpt-resp",
          previous_response_id: first.id,
          input: [{ type: "function_call_output", call_id: call.call_id, output: "22°C" }],
          tools: [WEATHER_TOOL],
        });
        assert.equal(second.output_text, "Sunny in Paris.");
        const sent = upstream.requests[0].json!;
        assert.equal(sent.previous_response_id, undefined);
        const types = (sent.input as Array<{ type?: string }>).map((item) => item.type);
        assert.deepEqual(types, ["message", "reasoning", "function_call", "function_call_output"]);
      },
    );

    await t.step(
      "an id the proxy never saw goes to a Responses upstream untouched (it may hold it)",
      async () => {
        // The fake answers every call with one id, which earlier steps kept.
        await client.responses.delete("resp_upstream_1");
        upstream.requests.length = 0;
        const answer = await client.responses.create({
          model: "oairesp/gpt-resp",
          previous_response_id: "resp_openai_9",
          input: "And?",
        });
        assert.equal(upstream.requests[0].json?.previous_response_id, "resp_openai_9");
        assert.equal(upstream.requests[0].json?.input, "And?");
        // Its whole conversation is the upstream's: keeping only our part of it would lose the rest.
        await assert.rejects(client.responses.retrieve(answer.id), OpenAI.NotFoundError);
      },
    );

    await t.step(
      "reasoning carried for another provider is left out for OpenAI, which refuses it",
      async () => {
        upstream.requests.length = 0;
        await client.responses.create({
          model: "oairesp/gpt-resp",
          store: false,
          input: [
            { role: "user", content: "Hi" },
            {
              type: "reasoning",
              id: "rs_a",
              summary: [],
              encrypted_content: encryptedContentFor({ text: "t", signature: "sig" }),
            },
            { type: "reasoning", id: "rs_b", summary: [], encrypted_content: "openai-own-state" },
            { role: "assistant", content: "Hello" },
            { role: "user", content: "Weather?" },
          ],
        });
        const sent = upstream.requests[0].json!.input as Array<Record<string, unknown>>;
        assert.deepEqual(
          sent.filter((item) => item.type === "reasoning").map((item) => item.encrypted_content),
          [
            "openai-own-state",
          ],
        );
        assert.equal(sent.length, 4);
      },
    );

    await t.step("responses.stream relays the upstream's events as they are", async () => {
      const stream = client.responses.stream({ model: "oairesp/gpt-resp", input: "Weather?" });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);
      const final = await stream.finalResponse();
      assert.equal(final.id, "resp_upstream_1");
      assert.equal(final.output_text, "Sunny in Paris.");
      await client.responses.delete(final.id);
      await client.responses.stream({ model: "oairesp/gpt-resp", input: "Weather?" }).finalResponse();
      // A passed-through stream is kept too, read on its way.
      assert.equal((await client.responses.retrieve(final.id)).output_text, "Sunny in Paris.");
      assert.deepEqual(types.slice(0, 3), [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
      ]);
      assert.equal(types.at(-1), "response.completed");
    });

    await t.step("a Chat Completions client is translated: tools, reasoning and usage", async () => {
      upstream.requests.length = 0;
      const completion = await client.chat.completions.create({
        model: "oairesp/gpt-resp",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Weather?" }],
        tools: [{ type: "function", function: { name: "get_weather", parameters: WEATHER_TOOL.parameters } }],
        max_completion_tokens: 300,
      });
      const sent = upstream.requests[0].json!;
      assert.equal(sent.instructions, "Be brief.");
      assert.equal(sent.store, false);
      assert.equal(sent.max_output_tokens, 300);
      assert.deepEqual(sent.input, [{
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: "Weather?" }],
      }]);
      assert.equal((sent.tools as Array<{ type: string; name: string }>)[0].name, "get_weather");
      const message = completion.choices[0].message;
      assert.equal(completion.choices[0].finish_reason, "tool_calls");
      assert.equal(message.tool_calls?.[0].id, "call_up_1");
      assert.equal(completion.usage?.prompt_tokens, 20);
      assert.equal(completion.usage?.completion_tokens, 8);

      const stream = await client.chat.completions.create({
        model: "oairesp/gpt-resp",
        messages: [{ role: "user", content: "Weather?" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let reasoning = "";
      let usage = 0;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
        text += delta?.content ?? "";
        reasoning += delta?.reasoning_content ?? "";
        usage = chunk.usage?.total_tokens ?? usage;
      }
      assert.equal(text, "Sunny in Paris.");
      assert.equal(reasoning, "Thinking about weather.");
      assert.equal(usage, 28);
    });

    await t.step("an Anthropic client's turn carries OpenAI's encrypted reasoning back to it", async () => {
      const anthropic = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
      const tools = [{
        name: "get_weather",
        input_schema: WEATHER_TOOL.parameters as Anthropic.Tool.InputSchema,
      }];
      const first = await anthropic.messages.create({
        model: "oairesp/gpt-resp",
        max_tokens: 500,
        messages: [{ role: "user", content: "Weather?" }],
        tools,
      });
      assert.equal(first.stop_reason, "tool_use");
      const toolUse = first.content.find((block) => block.type === "tool_use");
      assert.ok(toolUse?.type === "tool_use");
      upstream.requests.length = 0;
      const second = await anthropic.messages.create({
        model: "oairesp/gpt-resp",
        max_tokens: 500,
        tools,
        messages: [
          { role: "user", content: "Weather?" },
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "22°C" }] },
        ],
      });
      assert.equal(second.content.find((block) => block.type === "text")?.type, "text");
      const input = upstream.requests[0].json!.input as Array<Record<string, unknown>>;
      const reasoning = input.find((item) => item.type === "reasoning");
      assert.equal(reasoning?.encrypted_content, "openai-encrypted-state-1");
      assert.deepEqual(input.find((item) => item.type === "function_call_output"), {
        type: "function_call_output",
        call_id: "call_up_1",
        output: "22°C",
      });
    });
    // Last: a broken stream cools the key that served it.
    await t.step(
      "a pass-through stream the upstream breaks ends in response.failed that continues its sequence",
      async () => {
        upstream.setHandler((request) => brokenStream(responsesHandler(request), 3));
        try {
          const events = await streamEvents(proxy.url, "oairesp/gpt-resp");
          assert.deepEqual(events.map((event) => event.type), [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.failed",
          ]);
          assert.deepEqual(events.map((event) => event.sequence_number), [0, 1, 2, 3]);
          assert.equal((events[3].response as { error: { code: string } }).error.code, "server_error");
        } finally {
          upstream.setHandler(responsesHandler);
        }
      },
    );

    await t.step(
      "a translated stream the upstream breaks ends in response.failed after the output so far",
      async () => {
        const events = await streamEvents(proxy.url, "broken/gpt-test");
        const failed = events.at(-1)!;
        assert.equal(failed.type, "response.failed");
        assert.deepEqual(events.map((event) => event.sequence_number), events.map((_, index) => index));
        assert.ok(
          events.some((event) => event.type === "response.output_text.delta" && event.delta === "Sunny"),
        );
        const response = failed.response as { error: { code: string; message: string }; output: unknown[] };
        assert.match(response.error.message, /broken/);
        assert.equal(response.output.length, 1);
      },
    );
  } finally {
    await proxy.close();
    await upstream.close();
    await chat.close();
  }
});
