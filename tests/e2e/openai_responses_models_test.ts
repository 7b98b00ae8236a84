/**
 * End to end: the real proxy process in front of a fake OpenAI that serves its Responses-only models on
 * `/v1/responses` alone (and refuses them on `/v1/chat/completions`, as OpenAI does). Chat Completions,
 * Responses and Anthropic clients, each with its official SDK, reach those models through the proxy.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  defaultOpenAIHandler,
  jsonResponse,
  type RecordedRequest,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { responsesHandler } from "../helpers/fake_responses.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const RESPONSES_ONLY = new Set(["o3-pro", "gpt-5-codex", "house-agent"]);

/** OpenAI with some models behind `/responses` only. */
function fakeOpenAI(request: RecordedRequest): Response {
  const model = String(request.json?.model);
  if (request.path.endsWith("/responses")) {
    if (!RESPONSES_ONLY.has(model)) {
      return jsonResponse(
        { error: { message: `unexpected model ${model}`, type: "invalid_request_error" } },
        400,
      );
    }
    return responsesHandler(request);
  }
  if (request.path.endsWith("/chat/completions") && RESPONSES_ONLY.has(model)) {
    return jsonResponse({
      error: {
        message: "This model is only supported in v1/responses and not in v1/chat/completions.",
        type: "invalid_request_error",
        param: "model",
        code: null,
      },
    }, 400);
  }
  return defaultOpenAIHandler(request);
}

Deno.test("openai provider: Responses-only models are called through /v1/responses", async (t) => {
  const upstream = startFakeUpstream(fakeOpenAI);
  const proxy = await startProxy({
    env: {
      OPENAI_API_BASE: upstream.baseUrl,
      OPENAI_API_KEY: "sk-openai-aaaaaaaaaaaaaaaa1111",
      OPENAI_RESPONSES_MODELS: "default,house-*",
    },
  });
  const openai = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const last = () => upstream.requests.at(-1)!;
  try {
    await t.step("chat.completions on o3-pro is translated to a Responses call and back", async () => {
      const completion = await openai.chat.completions.create({
        model: "openai/o3-pro",
        messages: [{ role: "user", content: "Weather in Paris?" }],
        temperature: 0.2,
        max_tokens: 100,
      });
      assert.equal(last().path, "/v1/responses");
      const sent = last().json!;
      assert.equal(sent.model, "o3-pro");
      assert.equal(sent.store, false);
      assert.ok(Array.isArray(sent.input));
      assert.equal(sent.messages, undefined);
      // o3-pro refuses sampling fields on /responses too.
      assert.equal(sent.temperature, undefined);
      assert.equal(sent.max_output_tokens, 100);
      assert.equal(completion.choices[0].message.content, "Sunny in Paris.");
      assert.equal(completion.usage?.prompt_tokens, 20);
    });

    await t.step("a streamed chat completion on o3-pro reads the Responses stream", async () => {
      const stream = await openai.chat.completions.create({
        model: "openai/o3-pro",
        messages: [{ role: "user", content: "Weather in Paris?" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let usage = 0;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        usage = chunk.usage?.completion_tokens ?? usage;
      }
      assert.equal(last().path, "/v1/responses");
      assert.equal(last().json!.stream, true);
      assert.equal(text, "Sunny in Paris.");
      assert.equal(usage, 8);
    });

    await t.step("responses.create on o3-pro passes the body through untouched", async () => {
      const body = {
        model: "openai/o3-pro",
        input: "Weather in Paris?",
        prompt_cache_key: "conversation-1",
        reasoning: { effort: "high" as const },
      };
      const response = await openai.responses.create(body);
      assert.equal(last().path, "/v1/responses");
      assert.deepEqual(last().json, { ...body, model: "o3-pro" });
      assert.equal(response.output_text, "Sunny in Paris.");
    });

    await t.step("a streamed responses.create on o3-pro relays OpenAI's events", async () => {
      const stream = await openai.responses.create({
        model: "openai/o3-pro",
        input: "Weather?",
        stream: true,
      });
      const types: string[] = [];
      let text = "";
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "response.output_text.delta") text += event.delta;
      }
      assert.equal(types[0], "response.created");
      assert.equal(types.at(-1), "response.completed");
      assert.equal(text, "Sunny in Paris.");
    });

    await t.step("the Anthropic SDK reaches gpt-5-codex through /v1/responses", async () => {
      const message = await anthropic.messages.create({
        model: "openai/gpt-5-codex",
        max_tokens: 200,
        messages: [{ role: "user", content: "Weather in Paris?" }],
      });
      assert.equal(last().path, "/v1/responses");
      assert.equal(last().json!.model, "gpt-5-codex");
      assert.ok(Array.isArray(last().json!.input));
      const text = message.content.flatMap((block) => block.type === "text" ? [block.text] : []).join("");
      assert.equal(text, "Sunny in Paris.");
    });

    await t.step("OPENAI_RESPONSES_MODELS adds models; the others stay on Chat Completions", async () => {
      const agent = await openai.chat.completions.create({
        model: "openai/house-agent",
        messages: [{ role: "user", content: "Hi" }],
      });
      assert.equal(last().path, "/v1/responses");
      assert.equal(agent.choices[0].message.content, "Sunny in Paris.");
      const chat = await openai.chat.completions.create({
        model: "openai/gpt-4o",
        messages: [{ role: "user", content: "Hi" }],
      });
      assert.equal(last().path, "/v1/chat/completions");
      assert.equal(typeof chat.choices[0].message.content, "string");
      const translated = await openai.responses.create({ model: "openai/gpt-4o", input: "Hi" });
      assert.equal(last().path, "/v1/chat/completions");
      assert.equal(typeof translated.output_text, "string");
    });
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
