/**
 * End to end: how the Gemini and Responses doors route what they are sent. A model alias that mixes
 * formats sends the Gemini (or Responses) target the client's body without the reasoning the gateway
 * carries for other providers, and the other targets a translation of it; bare model names are looked up
 * (`GET /v1beta/models/{bare}`, `GET /v1/models/{bare}`) the way a call routes them
 * (`DEFAULT_PROVIDER_<FORMAT>`), with `@google/genai` and the `openai` SDK.
 */
import assert from "node:assert/strict";
import { ApiError, GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { signatureCarrier } from "../../lib/formats/gemini/signature_carrier.ts";
import { encryptedContentFor } from "../../lib/formats/responses/reasoning_carrier.ts";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { geminiHandler } from "../helpers/fake_gemini.ts";
import { responsesHandler } from "../helpers/fake_responses.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

/** Reasoning Anthropic signed, as the gateway hands it to a Gemini client. */
const CARRIER = signatureCarrier({
  type: "reasoning",
  text: "Check the weather.",
  signature: "sig-anthropic-1",
});

/** A Gemini CLI turn: a call it made up an id for, signed by the gateway, and its result. */
const GEMINI_HISTORY = {
  contents: [
    { role: "user", parts: [{ text: "Weather in Paris?" }] },
    {
      role: "model",
      parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: CARRIER }],
    },
    {
      role: "user",
      parts: [{ functionResponse: { name: "get_weather", response: { output: "22°C" } } }],
    },
  ],
  tools: [{
    functionDeclarations: [{
      name: "get_weather",
      parametersJsonSchema: { type: "object", properties: { city: { type: "string" } } },
    }],
  }],
};

Deno.test("Door routing: mixed aliases translate carriers, bare names are looked up", async (t) => {
  const chat = startFakeUpstream();
  const gemini = startFakeUpstream(geminiHandler);
  const responses = startFakeUpstream(responsesHandler);
  const proxy = await startProxy({
    env: {
      MYOAI_API_BASE: chat.baseUrl,
      MYOAI_API_KEY: "sk-routing-aaaaaaaaaaaa1111",
      MYOAI_MODELS: "gemini-2.5-flash-lite",
      MYRESP_API_BASE: responses.baseUrl,
      MYRESP_API_KEY: "sk-routing-bbbbbbbbbbbb2222",
      MYRESP_RESPONSES_MODELS: "gpt-resp",
      MYRESP_MODELS: "gpt-resp",
      GEMINI_API_BASE: gemini.origin,
      GEMINI_API_KEY: "gemini-routing-ccccccccc3333",
      MODEL_ALIAS_GEMINI_FIRST: "gemini/gemini-test,myoai/gpt-test",
      MODEL_ALIAS_OPENAI_FIRST: "myoai/gpt-test,gemini/gemini-test",
      MODEL_ALIAS_RESPONSES_FIRST: "myresp/gpt-resp,myoai/gpt-test",
      DEFAULT_PROVIDER_GEMINI: "myoai",
      DEFAULT_PROVIDER_OPENAI: "myoai",
      DEFAULT_PROVIDER_RESPONSES: "myresp",
    },
  });
  const generate = (model: string) =>
    fetch(`${proxy.url}/v1beta/models/${model}:generateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify(GEMINI_HISTORY),
    });
  try {
    await t.step("a mixed alias sends its Gemini target no gateway carrier", async () => {
      const response = await generate("gemini_first");
      assert.equal(response.status, 200, await response.clone().text());
      await response.body?.cancel();
      const sent = gemini.requests.at(-1)!;
      assert.ok(!sent.body.includes("gwg1."), sent.body);
      const parts = (sent.json!.contents as Array<{ parts: Array<Record<string, unknown>> }>)[1].parts;
      // Google's documented stand-in on a call whose signature it did not mint.
      assert.equal(parts[0].thoughtSignature, "skip_thought_signature_validator");
    });

    await t.step("a mixed alias translates the carriers for its OpenAI target", async () => {
      const response = await generate("openai_first");
      assert.equal(response.status, 200, await response.clone().text());
      await response.body?.cancel();
      const sent = chat.requests.at(-1)!;
      assert.ok(!sent.body.includes("thoughtSignature") && !sent.body.includes("gwg1."), sent.body);
      const messages = sent.json!.messages as Array<Record<string, unknown>>;
      const call = messages.find((message) => Array.isArray(message.tool_calls));
      const id = (call?.tool_calls as Array<{ id: string }>)[0].id;
      assert.ok(id !== "", sent.body);
      assert.equal(messages.find((message) => message.role === "tool")?.tool_call_id, id);
    });

    await t.step("a mixed alias sends its Responses target no carried reasoning", async () => {
      const carried = encryptedContentFor({ text: "Check the weather.", signature: "sig-anthropic-1" });
      const own = "gAAAAB-openai-own-state";
      const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      const response = await client.responses.create({
        model: "responses_first",
        store: false,
        input: [
          { role: "user", content: "Weather in Paris?" },
          { type: "reasoning", id: "rs_1", summary: [], encrypted_content: carried },
          { type: "reasoning", id: "rs_2", summary: [], encrypted_content: own },
          { role: "assistant", content: "Let me look." },
          { role: "user", content: "Well?" },
        ],
      });
      assert.equal(response.status, "completed");
      const sent = responses.requests.at(-1)!;
      assert.ok(!sent.body.includes(carried), sent.body);
      assert.ok(sent.body.includes(own), "OpenAI's own reasoning state goes back to it");
    });

    await t.step("@google/genai models.get finds a bare name DEFAULT_PROVIDER_GEMINI routes", async () => {
      const ai = new GoogleGenAI({ apiKey: TEST_PROXY_KEY, httpOptions: { baseUrl: proxy.url } });
      const model = await ai.models.get({ model: "gemini-2.5-flash-lite" });
      assert.equal(model.name, "models/gemini-2.5-flash-lite");
      assert.ok(model.supportedActions?.includes("generateContent"), JSON.stringify(model));
      const prefixed = await ai.models.get({ model: "myoai/gemini-2.5-flash-lite" });
      assert.equal(prefixed.name, "models/myoai/gemini-2.5-flash-lite");
      const alias = await ai.models.get({ model: "gemini_first" });
      assert.equal(alias.name, "models/gemini_first");
      await assert.rejects(
        () => ai.models.get({ model: "gemini-unknown" }),
        (error) => error instanceof ApiError && error.status === 404,
      );
      const v1beta = await fetch(`${proxy.url}/v1beta/models/gemini-2.5-flash-lite?key=${TEST_PROXY_KEY}`);
      assert.equal(v1beta.status, 200);
      assert.equal((await v1beta.json()).name, "models/gemini-2.5-flash-lite");
    });

    await t.step("a bare name streams through the Gemini door, usage counted on its last chunk", async () => {
      const ai = new GoogleGenAI({ apiKey: TEST_PROXY_KEY, httpOptions: { baseUrl: proxy.url } });
      const chunks = [];
      for await (
        const chunk of await ai.models.generateContentStream({ model: "gpt-test", contents: "Hi" })
      ) {
        chunks.push(chunk);
      }
      assert.equal(chunks.map((chunk) => chunk.text ?? "").join(""), "Hello, world");
      assert.equal(chat.requests.at(-1)!.json!.model, "gpt-test");
      const last = chunks.at(-1)!;
      assert.equal(last.candidates?.[0].finishReason, "STOP");
      // The upstream sent no usage: the estimate, which comes after the finish, is on the last chunk.
      assert.ok((last.usageMetadata?.candidatesTokenCount ?? 0) > 0, JSON.stringify(last.usageMetadata));
      assert.ok((last.usageMetadata?.promptTokenCount ?? 0) > 0, JSON.stringify(last.usageMetadata));
    });

    await t.step(
      "openai models.retrieve finds a bare name DEFAULT_PROVIDER_OPENAI (or _RESPONSES) routes",
      async () => {
        const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
        const model = await client.models.retrieve("gpt-test");
        assert.equal(model.id, "gpt-test");
        assert.equal(model.owned_by, "test");
        assert.equal((await client.models.retrieve("myoai/gpt-test")).id, "myoai/gpt-test");
        // Codex CLI's bare names, routed by the Responses door's default, read the same endpoint.
        const codex = await client.models.retrieve("gpt-resp");
        assert.equal(codex.id, "gpt-resp");
        assert.equal(codex.owned_by, "myresp");
        await assert.rejects(
          () => client.models.retrieve("gpt-unknown"),
          (error) => error instanceof OpenAI.NotFoundError,
        );
      },
    );
  } finally {
    await proxy.stop();
    for (const server of [chat, gemini, responses]) await server.close();
  }
});
