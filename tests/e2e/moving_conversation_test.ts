/**
 * End to end: a conversation that moves between providers (an Anthropic client switching its model from
 * Gemini to Claude and back). Each provider gets back only the reasoning signatures it minted itself;
 * anything else would be refused with a 400 ("Invalid signature in thinking block").
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { anthropicMessage, jsonResponse, sseResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const GEMINI_SIGNATURE = "CiIBVKhc7oB2Zq0+g5sF0j2bIbQvXl9vQm0l2d9R5Yk3aB8K";

Deno.test("a conversation moving between Gemini and Anthropic keeps each provider's signatures its own", async () => {
  const gemini = startFakeUpstream((request) => {
    if (request.method === "GET") return jsonResponse({ models: [] });
    return jsonResponse({
      candidates: [{
        content: {
          role: "model",
          parts: [
            { text: "Weighing the question.", thought: true, thoughtSignature: GEMINI_SIGNATURE },
            { text: "Gemini says hi." },
          ],
        },
        finishReason: "STOP",
        index: 0,
      }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 4, totalTokenCount: 9 },
      modelVersion: "gemini-2.5-pro",
    });
  });
  const claude = startFakeUpstream((request) =>
    request.method === "GET"
      ? jsonResponse({ data: [], has_more: false })
      : jsonResponse(anthropicMessage("claude-x", "Claude says hi."))
  );
  const proxy = await startProxy({
    env: {
      GEMINI_API_BASE: gemini.origin,
      GEMINI_API_KEY: "AIza-moving-aaaaaaaaaaaa",
      ANTHROPIC_API_BASE: claude.origin,
      ANTHROPIC_API_KEY: "sk-ant-moving-bbbbbbbbbbbb",
    },
  });
  const client = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const chatCalls = (upstream: typeof gemini) =>
    upstream.requests.filter((request) => request.method === "POST");
  try {
    const history: Anthropic.MessageParam[] = [{ role: "user", content: "hi" }];
    const first = await client.messages.create({
      model: "gemini/gemini-2.5-pro",
      max_tokens: 4000,
      thinking: { type: "enabled", budget_tokens: 1024 },
      messages: history,
    });
    const thinking = first.content.find((block) => block.type === "thinking");
    assert.ok(thinking && thinking.type === "thinking");
    assert.equal(
      thinking.signature,
      `gemini:${GEMINI_SIGNATURE}`,
      "Gemini's signature is marked with its origin",
    );
    history.push({ role: "assistant", content: first.content }, { role: "user", content: "and Claude?" });

    // To Anthropic (passed through): Gemini's thinking block is left out, the rest arrives.
    await client.messages.create({ model: "anthropic/claude-x", max_tokens: 4000, messages: history });
    const sent = chatCalls(claude).at(-1)!.json!.messages as Array<{ content: unknown }>;
    assert.equal(
      JSON.stringify(sent).includes(GEMINI_SIGNATURE),
      false,
      "Gemini's signature reached Anthropic",
    );
    assert.deepEqual(sent[1].content, [{ type: "text", text: "Gemini says hi." }]);

    // Back to Gemini: its own thought goes back with its signature as Gemini minted it.
    await client.messages.create({
      model: "gemini/gemini-2.5-pro",
      max_tokens: 4000,
      thinking: { type: "enabled", budget_tokens: 1024 },
      messages: history,
    });
    const contents = chatCalls(gemini).at(-1)!.json!.contents as Array<
      { parts: Array<Record<string, unknown>> }
    >;
    assert.deepEqual(contents[1].parts[0], {
      text: "Weighing the question.",
      thought: true,
      thoughtSignature: GEMINI_SIGNATURE,
    });
  } finally {
    await proxy.stop();
    await gemini.close();
    await claude.close();
  }
});

Deno.test("a streamed Gemini 3 tool call keeps its signature on the call when Claude Code sends it back", async () => {
  const chunk = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;
  const gemini = startFakeUpstream((request) => {
    if (request.method === "GET") return jsonResponse({ models: [] });
    const contents = request.json?.contents as Array<{ parts: Array<Record<string, unknown>> }>;
    const answered = contents.some((content) => content.parts.some((part) => "functionResponse" in part));
    if (answered) {
      return sseResponse([chunk({
        candidates: [{
          content: { role: "model", parts: [{ text: "Sunny." }] },
          finishReason: "STOP",
          index: 0,
        }],
        usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 2, totalTokenCount: 22 },
      })]);
    }
    return sseResponse([
      chunk({
        candidates: [{
          content: { role: "model", parts: [{ text: "Need the weather.", thought: true }] },
          index: 0,
        }],
        usageMetadata: { promptTokenCount: 10, totalTokenCount: 10 },
        responseId: "resp-1",
        modelVersion: "gemini-3-pro-preview",
      }),
      chunk({
        candidates: [{
          content: {
            role: "model",
            parts: [{
              functionCall: { name: "get_weather", args: { city: "Paris" } },
              thoughtSignature: "SIGFC",
            }],
          },
          finishReason: "STOP",
          index: 0,
        }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
      }),
    ]);
  });
  const proxy = await startProxy({
    env: { GEMINI_API_BASE: gemini.origin, GEMINI_API_KEY: "AIza-stream-aaaaaaaaaa" },
  });
  const client = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const tools: Anthropic.Tool[] = [{
    name: "get_weather",
    input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  }];
  try {
    const history: Anthropic.MessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = await client.messages.stream({
      model: "gemini/gemini-3-pro-preview",
      max_tokens: 4000,
      tools,
      messages: history,
    }).finalMessage();
    assert.equal(first.stop_reason, "tool_use");
    assert.equal(first.usage.input_tokens, 10);
    const call = first.content.find((block) => block.type === "tool_use")!;
    history.push({ role: "assistant", content: first.content }, {
      role: "user",
      content: [{
        type: "tool_result",
        tool_use_id: call.type === "tool_use" ? call.id : "",
        content: "sunny",
      }],
    });
    await client.messages.stream({
      model: "gemini/gemini-3-pro-preview",
      max_tokens: 4000,
      tools,
      messages: history,
    })
      .finalMessage();
    const sent = gemini.requests.filter((request) => request.method === "POST").at(-1)!.json!;
    const modelParts = (sent.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>)
      .find((content) => content.role === "model")!.parts;
    const functionCall = modelParts.find((part) => "functionCall" in part)!;
    assert.equal(functionCall.thoughtSignature, "SIGFC", "the call lost its own signature");
  } finally {
    await proxy.stop();
    await gemini.close();
  }
});
