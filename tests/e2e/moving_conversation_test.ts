/**
 * End to end: a conversation that moves between providers (an Anthropic client switching its model from
 * Gemini to Claude and back). Each provider gets back only the reasoning signatures it minted itself;
 * anything else would be refused with a 400 ("Invalid signature in thinking block").
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { anthropicMessage, jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
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
