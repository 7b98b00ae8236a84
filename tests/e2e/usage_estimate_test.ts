/**
 * End to end: an OpenAI-compatible upstream that reports no usage at all. Translated answers (JSON and
 * streamed) report estimated input and output tokens instead of zeros, so that clients such as Claude Code
 * know how full the context is; an upstream's own numbers are passed on unchanged.
 */
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

const ANSWER = ["The capital", " of France", " is Paris."];
/** A system prompt of a known, sizeable length (a few hundred tokens). */
const SYSTEM = "You are a meticulous geography tutor. ".repeat(40);

/** No `usage` anywhere, like some self-hosted OpenAI-compatible servers; with `counted`, OpenAI's own. */
function upstreamHandler(request: RecordedRequest): Response {
  if (!request.path.endsWith("/chat/completions")) return jsonResponse({ data: [{ id: "m" }] });
  const counted = request.json?.model === "counted";
  if (request.json?.stream) {
    const chunks = chatCompletionChunks("m", ANSWER);
    if (!counted) return sseResponse(chunks);
    const usage = {
      id: "u",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [],
      usage: {
        prompt_tokens: 1234,
        completion_tokens: 56,
        total_tokens: 1290,
      },
    };
    return sseResponse([...chunks.slice(0, -1), `data: ${JSON.stringify(usage)}\n\n`, chunks.at(-1)!]);
  }
  const { usage: _usage, ...uncounted } = chatCompletion("m", ANSWER.join(""));
  return jsonResponse(counted ? chatCompletion("m", ANSWER.join("")) : uncounted);
}

/** A Gemini upstream that sends no `usageMetadata`. */
function uncountedGemini(request: RecordedRequest): Response {
  if (request.method === "GET") return jsonResponse({ models: [] });
  const chunk = (text: string, finishReason?: string) =>
    `data: ${
      JSON.stringify({
        candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason, index: 0 }],
      })
    }\r\n\r\n`;
  return sseResponse(
    ANSWER.map((text, index) => chunk(text, index === ANSWER.length - 1 ? "STOP" : undefined)),
  );
}

/** The `usage` of every event of an SSE body, by event name. */
function usages(text: string): Record<string, Record<string, number>> {
  const found: Record<string, Record<string, number>> = {};
  for (const block of text.split("\n\n")) {
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (!data || data === "[DONE]") continue;
    const json = JSON.parse(data);
    const usage = json.usage ?? json.message?.usage;
    if (usage) found[json.type ?? "chunk"] = usage;
  }
  return found;
}

Deno.test("usage estimate: translated answers without upstream usage report estimated tokens", async (t) => {
  const upstream = startFakeUpstream(upstreamHandler);
  const gemini = startFakeUpstream(uncountedGemini);
  const proxy = await startProxy({
    env: {
      SELFHOST_API_BASE: upstream.baseUrl,
      SELFHOST_API_KEY: "sk-selfhost-aaaaaaaa1111",
      GEMINI_API_BASE: gemini.origin,
      GEMINI_API_KEY: "AIza-uncounted-aaaaaaaa1111",
    },
  });
  const client = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const post = (path: string, body: Record<string, unknown>) =>
    fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: {
        "x-api-key": TEST_PROXY_KEY,
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
  const question = {
    max_tokens: 100,
    system: SYSTEM,
    messages: [{ role: "user" as const, content: "What is the capital of France?" }],
  };
  try {
    const counted = await client.messages.countTokens({ model: "selfhost/m", ...question });
    const near = (value: number | undefined, expected: number) =>
      assert.ok(
        value !== undefined && Math.abs(value - expected) <= expected * 0.1,
        `${value} vs ${expected}`,
      );

    await t.step("an Anthropic JSON answer", async () => {
      const message = await client.messages.create({ model: "selfhost/m", ...question });
      near(message.usage.input_tokens, counted.input_tokens);
      assert.ok(
        message.usage.output_tokens >= 5 && message.usage.output_tokens <= 12,
        String(message.usage.output_tokens),
      );
    });

    await t.step("an Anthropic stream: message_delta carries the estimate", async () => {
      const response = await post("/v1/messages", { model: "selfhost/m", stream: true, ...question });
      const delta = usages(await response.text()).message_delta;
      near(delta.input_tokens, counted.input_tokens);
      assert.ok(delta.output_tokens >= 5 && delta.output_tokens <= 12, String(delta.output_tokens));
      const final = await client.messages.stream({ model: "selfhost/m", ...question }).finalMessage();
      near(final.usage.input_tokens, counted.input_tokens);
    });

    await t.step("an OpenAI stream with include_usage: the usage chunk carries the estimate", async () => {
      const openai = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      const stream = await openai.chat.completions.create({
        model: "gemini/gemini-test",
        messages: [{ role: "system", content: SYSTEM }, {
          role: "user",
          content: "What is the capital of France?",
        }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) usage = chunk.usage ?? usage;
      near(usage?.prompt_tokens, counted.input_tokens);
      assert.ok(
        usage!.completion_tokens >= 5 && usage!.completion_tokens <= 12,
        String(usage!.completion_tokens),
      );
    });

    await t.step("the upstream's own numbers are never replaced", async () => {
      const message = await client.messages.create({ model: "selfhost/counted", ...question });
      assert.equal(message.usage.input_tokens, 5);
      assert.equal(message.usage.output_tokens, 2);
      const response = await post("/v1/messages", { model: "selfhost/counted", stream: true, ...question });
      const delta = usages(await response.text()).message_delta;
      assert.equal(delta.input_tokens, 1234);
      assert.equal(delta.output_tokens, 56);
    });
  } finally {
    await proxy.stop();
    await upstream.close();
    await gemini.close();
  }
});
