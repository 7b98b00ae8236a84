/** End to end: provider quirks (<think> splitting, temperature override) and configured model lists. */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  chatCompletion,
  chatCompletionChunks,
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const THOUGHTFUL = "<think>\nThe user says hi.\n</think>\n\nHello there!";

function thinker(request: RecordedRequest): Response {
  if (request.path.endsWith("/models")) return jsonResponse({ error: { message: "listing disabled" } }, 500);
  if (request.json?.stream) {
    // Cut the answer so that the tags are split across chunks.
    const pieces = [
      THOUGHTFUL.slice(0, 4),
      THOUGHTFUL.slice(4, 20),
      THOUGHTFUL.slice(20, 31),
      THOUGHTFUL.slice(31),
    ];
    return sseResponse(chatCompletionChunks("deepseek-r1", pieces));
  }
  return jsonResponse(chatCompletion("deepseek-r1", THOUGHTFUL));
}

Deno.test("quirks: <think> reasoning split out, temperature 0 removed, configured models listed", async () => {
  const upstream = startFakeUpstream(thinker);
  const proxy = await startProxy({
    env: {
      CHUTES_API_BASE: upstream.baseUrl,
      CHUTES_API_KEY: "cpk-chutes-aaaaaaaaaaaa",
      CHUTES_MODELS: "deepseek-r1,qwen3-32b",
      OVERRIDE_TEMPERATURE_ZERO: "remove",
    },
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  try {
    const reply = await client.chat.completions.create({
      model: "chutes/deepseek-r1",
      messages: [{ role: "user", content: "hi" }],
      temperature: 0,
    });
    const message = reply.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    assert.equal(message.content, "Hello there!");
    assert.equal(message.reasoning_content, "\nThe user says hi.\n");
    assert.equal("temperature" in (upstream.requests.at(-1)?.json ?? {}), false);

    const stream = await client.chat.completions.create({
      model: "chutes/deepseek-r1",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let content = "";
    let reasoning = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      content += delta?.content ?? "";
      reasoning += delta?.reasoning_content ?? "";
    }
    assert.equal(content, "Hello there!");
    assert.equal(reasoning, "\nThe user says hi.\n");

    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ["chutes/deepseek-r1", "chutes/qwen3-32b"]);
    assert.match(proxy.output(), /listing models of chutes failed .*showing only configured models/);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("quirks: an output limit above the model's ceiling is lowered to it, then up front", async () => {
  const CEILING = 16384;
  // OpenAI's refusal, word for word.
  const upstream = startFakeUpstream((request) => {
    if (request.path.endsWith("/models")) return jsonResponse({ object: "list", data: [] });
    const asked = Number(request.json?.max_tokens ?? request.json?.max_completion_tokens ?? 0);
    if (asked > CEILING) {
      return jsonResponse({
        error: {
          message:
            `max_tokens is too large: ${asked}. This model supports at most ${CEILING} completion tokens, whereas you provided ${asked}.`,
          type: "invalid_request_error",
          param: "max_tokens",
          code: "invalid_value",
        },
      }, 400);
    }
    if (request.json?.stream) return sseResponse(chatCompletionChunks("gpt-4o", ["within ", "limits"]));
    return jsonResponse(chatCompletion("gpt-4o", "within limits"));
  });
  const proxy = await startProxy({
    env: { OPENAI_API_BASE: upstream.baseUrl, OPENAI_API_KEY: "sk-ceiling-aaaaaaaaaaaa" },
  });
  // Claude Code asks for 32,000 output tokens whatever the model.
  const client = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const chats = () => upstream.requests.filter((request) => request.path.endsWith("/chat/completions"));
  const limitOf = (request: RecordedRequest | undefined) =>
    request?.json?.max_tokens ?? request?.json?.max_completion_tokens;
  try {
    // Streamed, as Claude Code asks (the SDK refuses such a limit without streaming).
    const first = await client.messages.stream({
      model: "openai/gpt-4o",
      max_tokens: 32000,
      messages: [{ role: "user", content: "hi" }],
    }).finalMessage();
    assert.equal(first.content[0].type === "text" && first.content[0].text, "within limits");
    assert.equal(chats().length, 2);
    assert.deepEqual(chats().map(limitOf), [32000, CEILING]);

    // Learned: the next call is lowered before it is sent.
    await client.messages.stream({
      model: "openai/gpt-4o",
      max_tokens: 32000,
      messages: [{ role: "user", content: "again" }],
    }).finalMessage();
    assert.equal(chats().length, 3);
    assert.equal(limitOf(chats().at(-1)), CEILING);

    // A refusal that lowering cannot cure is passed on, not retried.
    upstream.setHandler(() =>
      jsonResponse({ error: { message: "messages: too short", type: "invalid_request_error" } }, 400)
    );
    const before = chats().length;
    await assert.rejects(
      client.messages.create({
        model: "openai/gpt-4o",
        max_tokens: 10,
        messages: [{ role: "user", content: "x" }],
      }),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /too short/.test(error.message),
    );
    assert.equal(chats().length, before + 1);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("quirks: a ceiling is learned only once a lowered call went through", async () => {
  // Refuses anything carrying `reasoning_effort`, naming a ceiling that lowering cannot cure.
  const upstream = startFakeUpstream((request) => {
    if (request.path.endsWith("/models")) return jsonResponse({ object: "list", data: [] });
    if (request.json?.reasoning_effort !== undefined) {
      return jsonResponse({
        error: {
          message: "This model supports at most 1024 completion tokens",
          type: "invalid_request_error",
        },
      }, 400);
    }
    return jsonResponse(chatCompletion("m", "fine"));
  });
  const proxy = await startProxy({
    env: { MYOAI_API_BASE: upstream.baseUrl, MYOAI_API_KEY: "sk-ceiling-bbbbbbbbbbbb", MYOAI_MODELS: "m" },
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const limits = () =>
    upstream.requests.filter((request) => request.path.endsWith("/chat/completions")).map((request) =>
      request.json?.max_tokens
    );
  try {
    await assert.rejects(client.chat.completions.create({
      model: "myoai/m",
      max_tokens: 30000,
      reasoning_effort: "high",
      messages: [{ role: "user", content: "hi" }],
    }));
    assert.deepEqual(limits(), [30000, 1024], "lowered and sent once more");
    await client.chat.completions.create({
      model: "myoai/m",
      max_tokens: 30000,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(limits().at(-1), 30000, "a ceiling that never worked was applied to the next client");
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
