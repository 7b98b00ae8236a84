/**
 * End to end with the official `@google/genai` SDK: the Gemini front door in front of fake upstreams of
 * every format (OpenAI chat, Anthropic, Gemini itself; the Responses API in-process, as no built-in
 * provider speaks it), for generateContent, streaming and a function
 * call loop, on the SDK's default `/v1` and on `/v1beta`; then what Gemini's other clients need: model
 * listing, token counts, embeddings, `?key=`, bare model names and Google's error shape.
 */
import assert from "node:assert/strict";
import { type FunctionDeclaration, GoogleGenAI } from "@google/genai";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";
import { responsesHandler, serveWithResponsesProvider } from "../helpers/fake_responses.ts";
import { signatureCarrier } from "../../lib/formats/gemini/signature_carrier.ts";
import {
  anthropicWeather,
  geminiWeather,
  openAIWeather,
  WEATHER_ANSWER,
  WEATHER_ARGUMENTS,
} from "../helpers/weather_upstreams.ts";

const weatherTool: FunctionDeclaration = {
  name: "get_weather",
  description: "The weather in a city",
  parametersJsonSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

Deno.test("@google/genai through the Gemini front door, on every upstream format", async (t) => {
  const openai = startFakeUpstream(openAIWeather);
  const anthropic = startFakeUpstream(anthropicWeather);
  const gemini = startFakeUpstream(geminiWeather);
  const proxy = await startProxy({
    env: {
      MYLOCAL_API_BASE: openai.baseUrl,
      MYLOCAL_API_KEY: "sk-genai-openai-0000000001",
      ANTHROPIC_API_BASE: anthropic.origin,
      ANTHROPIC_API_KEY: "sk-ant-genai-000000000002",
      GEMINI_API_BASE: gemini.origin,
      GEMINI_API_KEY: "gemini-genai-key-000000003",
      DEFAULT_PROVIDER_GEMINI: "mylocal",
    },
  });
  const client = (apiVersion?: string) =>
    new GoogleGenAI({
      apiKey: TEST_PROXY_KEY,
      httpOptions: { baseUrl: proxy.url, ...(apiVersion ? { apiVersion } : {}) },
    });
  const ai = client();
  const upstreams = [
    { name: "openai", model: "mylocal/gpt-test" },
    { name: "anthropic", model: "anthropic/claude-test" },
    { name: "gemini", model: "gemini/gemini-test" },
  ];

  try {
    for (const { name, model } of upstreams) {
      await t.step(`generateContent on the ${name} upstream`, async () => {
        const response = await ai.models.generateContent({ model, contents: "Hello?" });
        assert.match(response.text ?? "", new RegExp(`^Hello from ${name}$`, "i"));
        assert.equal(response.candidates?.[0].finishReason, "STOP");
        assert.ok((response.usageMetadata?.promptTokenCount ?? 0) > 0);
      });

      await t.step(`generateContentStream on the ${name} upstream`, async () => {
        let text = "";
        let finish: string | undefined;
        for await (const chunk of await ai.models.generateContentStream({ model, contents: "Hello?" })) {
          text += chunk.text ?? "";
          finish ??= chunk.candidates?.[0].finishReason;
        }
        assert.match(text, new RegExp(`^Hello from ${name}$`, "i"));
        assert.equal(finish, "STOP");
      });

      await t.step(`a function call loop on the ${name} upstream (JSON, then streamed)`, async () => {
        const config = { tools: [{ functionDeclarations: [weatherTool] }] };
        const question = { role: "user", parts: [{ text: "Weather in Paris?" }] };
        const first = await ai.models.generateContent({ model, contents: [question], config });
        const [call] = first.functionCalls ?? [];
        assert.equal(call?.name, "get_weather");
        assert.deepEqual(call?.args, WEATHER_ARGUMENTS);
        assert.equal(first.candidates?.[0].finishReason, "STOP");
        const history = [
          question,
          first.candidates![0].content!,
          {
            role: "user",
            parts: [{ functionResponse: { id: call.id, name: call.name, response: { output: "sunny" } } }],
          },
        ];
        let text = "";
        for await (
          const chunk of await ai.models.generateContentStream({ model, contents: history, config })
        ) {
          text += chunk.text ?? "";
        }
        assert.equal(text, WEATHER_ANSWER);
      });
    }

    await t.step("the SDK on /v1beta (apiVersion v1beta) reaches the same door", async () => {
      const response = await client("v1beta").models.generateContent({
        model: "mylocal/gpt-test",
        contents: "Hi",
      });
      assert.equal(response.text, "Hello from openai");
    });

    await t.step("a bare model name goes to DEFAULT_PROVIDER_GEMINI", async () => {
      openai.requests.length = 0;
      const response = await ai.models.generateContent({ model: "gpt-test", contents: "Hi" });
      assert.equal(response.text, "Hello from openai");
      assert.equal(openai.requests[0].json?.model, "gpt-test");
    });

    await t.step("countTokens counts locally for a translated provider", async () => {
      const counted = await ai.models.countTokens({
        model: "anthropic/claude-test",
        contents: "Hello there",
      });
      assert.ok((counted.totalTokens ?? 0) > 0);
    });

    await t.step("models.list names every model models/{provider}/{model}", async () => {
      const names: string[] = [];
      for await (const model of await ai.models.list()) names.push(model.name ?? "");
      assert.ok(names.includes("models/mylocal/gpt-test"), names.join(", "));
      assert.ok(names.includes("models/gemini/gemini-test"), names.join(", "));
      const one = await ai.models.get({ model: "mylocal/gpt-test" });
      assert.equal(one.name, "models/mylocal/gpt-test");
      const beta: string[] = [];
      for await (const model of await client("v1beta").models.list()) beta.push(model.name ?? "");
      assert.deepEqual(beta, names);
      // OpenAI clients still get OpenAI's list on /v1/models.
      const openAIList = await fetch(`${proxy.url}/v1/models`, {
        headers: { authorization: `Bearer ${TEST_PROXY_KEY}` },
      });
      assert.equal((await openAIList.json()).object, "list");
    });

    await t.step("the key may come as ?key= (the AI SDK's Google provider and curl examples)", async () => {
      const response = await fetch(
        `${proxy.url}/v1beta/models/mylocal/gpt-test:generateContent?key=${TEST_PROXY_KEY}`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] }),
        },
      );
      assert.equal(response.status, 200);
      assert.equal((await response.json()).candidates[0].content.parts[0].text, "Hello from openai");
    });

    await t.step("signatures the gateway gave for other providers never reach Gemini", async () => {
      gemini.requests.length = 0;
      const carrier = signatureCarrier({ type: "reasoning", text: "Hmm.", signature: "anthropic-sig" });
      const history = [
        { role: "user", parts: [{ text: "Weather in Paris?" }] },
        {
          role: "model",
          parts: [{
            functionCall: { name: "get_weather", args: WEATHER_ARGUMENTS },
            thoughtSignature: carrier,
          }],
        },
        {
          role: "user",
          parts: [{ functionResponse: { name: "get_weather", response: { output: "sunny" } } }],
        },
      ];
      const config = { tools: [{ functionDeclarations: [weatherTool] }] };
      const response = await ai.models.generateContent({
        model: "gemini/gemini-test",
        contents: history,
        config,
      });
      assert.equal(response.text, WEATHER_ANSWER);
      const sent = gemini.requests[0].json!.contents as Array<{ parts: Array<Record<string, unknown>> }>;
      assert.equal(sent[1].parts[0].thoughtSignature, "skip_thought_signature_validator");
    });

    await t.step("the AI SDK's path without models/ for ids with a slash", async () => {
      const response = await fetch(`${proxy.url}/v1beta/mylocal/gpt-test:streamGenerateContent?alt=sse`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-goog-api-key": TEST_PROXY_KEY },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] }),
      });
      assert.equal(response.status, 200);
      assert.match(await response.text(), /"finishReason":"STOP"/);
    });
  } finally {
    await proxy.stop();
    await openai.close();
    await anthropic.close();
    await gemini.close();
  }
});

Deno.test("@google/genai through the Gemini front door on a Responses upstream", async (t) => {
  const responses = startFakeUpstream(responsesHandler);
  const proxy = await serveWithResponsesProvider(responses.baseUrl);
  const ai = new GoogleGenAI({ apiKey: TEST_PROXY_KEY, httpOptions: { baseUrl: proxy.url } });
  const model = "oairesp/gpt-resp";
  try {
    await t.step("generateContent and generateContentStream", async () => {
      const response = await ai.models.generateContent({ model, contents: "Hello?" });
      assert.equal(response.text, "Sunny in Paris.");
      assert.equal(response.candidates?.[0].finishReason, "STOP");
      let text = "";
      for await (const chunk of await ai.models.generateContentStream({ model, contents: "Hello?" })) {
        text += chunk.text ?? "";
      }
      assert.equal(text, "Sunny in Paris.");
    });

    await t.step("a function call loop", async () => {
      const config = { tools: [{ functionDeclarations: [weatherTool] }] };
      const question = { role: "user", parts: [{ text: "Weather in Paris?" }] };
      const first = await ai.models.generateContent({ model, contents: [question], config });
      const [call] = first.functionCalls ?? [];
      assert.equal(call?.name, "get_weather");
      assert.deepEqual(call?.args, WEATHER_ARGUMENTS);
      const history = [
        question,
        first.candidates![0].content!,
        {
          role: "user",
          parts: [{ functionResponse: { id: call.id, name: call.name, response: { output: "sunny" } } }],
        },
      ];
      const second = await ai.models.generateContent({ model, contents: history, config });
      assert.equal(second.text, "Sunny in Paris.");
      // The call and its result reached the Responses upstream paired.
      const input = responses.requests.at(-1)!.json!.input as Array<Record<string, unknown>>;
      const sent = input.find((item) => item.type === "function_call");
      const result = input.find((item) => item.type === "function_call_output");
      assert.equal(result?.call_id, sent?.call_id);
    });
  } finally {
    await proxy.close();
    await responses.close();
  }
});
