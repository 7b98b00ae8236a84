/**
 * End to end: tool loops of the openai and @anthropic-ai/sdk clients against a Gemini-native fake upstream
 * that checks function names as Gemini does and writes free-form objects as JSON text, as Gemini does for
 * the string its schema got in place of a `z.record()`.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { z } from "zod";
import {
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const GEMINI_KEY = "AIza-fake-gemini-key-000001";
const MODEL = "gemini/gemini-test";

/** An MCP tool name as Claude Code writes it: 71 characters, over Gemini's 64. */
const TOOL_NAME = "mcp__github_enterprise_server__create_pull_request_review_comment_reply";

/** The tool's input, as the client validates it: `labels` is a free-form map. */
const replyInput = z.object({ body: z.string(), labels: z.record(z.string(), z.string()) });
const { $schema: _dialect, ...INPUT_SCHEMA } = z.toJSONSchema(replyInput) as Record<string, unknown>;

const LABELS = { team: "core", area: "api" };

/** https://ai.google.dev/api/caching#FunctionDeclaration */
const GEMINI_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

type Declaration = { name: string; parameters?: { properties?: Record<string, { type?: string }> } };
type Part = Record<string, { name?: string } | undefined>;

function declarationsOf(request: RecordedRequest): Declaration[] {
  const tools = (request.json?.tools ?? []) as Array<{ functionDeclarations?: Declaration[] }>;
  return tools.flatMap((tool) => tool.functionDeclarations ?? []);
}

function partsOf(request: RecordedRequest): Part[] {
  const contents = (request.json?.contents ?? []) as Array<{ parts?: Part[] }>;
  return contents.flatMap((content) => content.parts ?? []);
}

/**
 * Answers like Gemini: a 400 for a function name Gemini refuses; a call of the first declared function
 * (by the name it was declared with, `labels` as the JSON text its string schema asks for) until a
 * function response arrives, then text.
 */
function geminiToolHandler(request: RecordedRequest): Response {
  const declarations = declarationsOf(request);
  const refused = declarations.find((declaration) => !GEMINI_NAME.test(declaration.name));
  if (refused !== undefined) {
    const message = `* GenerateContentRequest.tools[0].function_declarations[0].name: Invalid function name.`;
    return jsonResponse({ error: { code: 400, message, status: "INVALID_ARGUMENT" } }, 400);
  }
  const answered = partsOf(request).some((part) => part.functionResponse !== undefined);
  const parts = declarations.length > 0 && !answered
    ? [{
      functionCall: { name: declarations[0].name, args: { body: "LGTM", labels: JSON.stringify(LABELS) } },
    }]
    : [{ text: "Replied." }];
  const answer = {
    candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 3, totalTokenCount: 14 },
    modelVersion: "gemini-test",
    responseId: "resp-tools",
  };
  if (request.path.endsWith(":streamGenerateContent")) {
    return sseResponse([`data: ${JSON.stringify(answer)}\r\n\r\n`]);
  }
  return jsonResponse(answer);
}

/** What the proxy declared to Gemini: a valid name, and `labels` as a string holding JSON. */
function assertDeclared(request: RecordedRequest | undefined): string {
  assert.ok(request);
  const [declaration] = declarationsOf(request);
  assert.match(declaration.name, GEMINI_NAME);
  assert.notEqual(declaration.name, TOOL_NAME);
  assert.equal(declaration.parameters?.properties?.labels.type, "string");
  return declaration.name;
}

Deno.test("Gemini-native provider: tools with long names and free-form objects round-trip to both SDKs", async (t) => {
  const upstream = startFakeUpstream(geminiToolHandler);
  const proxy = await startProxy({ env: { GEMINI_API_BASE: upstream.origin, GEMINI_API_KEY: GEMINI_KEY } });
  const openai = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const openaiTools: OpenAI.ChatCompletionTool[] = [{
    type: "function",
    function: { name: TOOL_NAME, description: "Reply to a review comment", parameters: INPUT_SCHEMA },
  }];
  const anthropicTools: Anthropic.Tool[] = [{
    name: TOOL_NAME,
    description: "Reply to a review comment",
    input_schema: INPUT_SCHEMA as Anthropic.Tool.InputSchema,
  }];
  const question = "Approve the review comment";
  try {
    await t.step(
      "openai SDK, JSON: the call has the original name and an object, its result goes back",
      async () => {
        const first = await openai.chat.completions.create({
          model: MODEL,
          messages: [{ role: "user", content: question }],
          tools: openaiTools,
        });
        const declared = assertDeclared(upstream.requests.at(-1));
        const call = first.choices[0].message.tool_calls?.[0];
        assert.ok(call && call.type === "function");
        assert.equal(call.function.name, TOOL_NAME);
        assert.deepEqual(replyInput.parse(JSON.parse(call.function.arguments)), {
          body: "LGTM",
          labels: LABELS,
        });

        const second = await openai.chat.completions.create({
          model: MODEL,
          tools: openaiTools,
          messages: [
            { role: "user", content: question },
            first.choices[0].message,
            { role: "tool", tool_call_id: call.id, content: "posted" },
          ],
        });
        assert.equal(second.choices[0].message.content, "Replied.");
        // The history speaks Gemini's name for the tool, the one it declared.
        const history = partsOf(upstream.requests.at(-1)!);
        assert.equal(history.find((part) => part.functionCall)?.functionCall?.name, declared);
        assert.equal(history.find((part) => part.functionResponse)?.functionResponse?.name, declared);
      },
    );

    await t.step("openai SDK, streaming: the call has the original name and an object", async () => {
      const stream = await openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: question }],
        tools: openaiTools,
        tool_choice: { type: "function", function: { name: TOOL_NAME } },
        stream: true,
      });
      let name = "";
      let args = "";
      for await (const chunk of stream) {
        for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
          name += call.function?.name ?? "";
          args += call.function?.arguments ?? "";
        }
      }
      const sent = upstream.requests.at(-1);
      const declared = assertDeclared(sent);
      const config = sent?.json?.toolConfig as { functionCallingConfig: { allowedFunctionNames: string[] } };
      assert.deepEqual(config.functionCallingConfig.allowedFunctionNames, [declared]);
      assert.equal(name, TOOL_NAME);
      assert.deepEqual(replyInput.parse(JSON.parse(args)), { body: "LGTM", labels: LABELS });
    });

    await t.step("@anthropic-ai/sdk, JSON: tool_use has the original name and an object", async () => {
      const message = await anthropic.messages.create({
        model: MODEL,
        max_tokens: 100,
        tools: anthropicTools,
        messages: [{ role: "user", content: question }],
      });
      assertDeclared(upstream.requests.at(-1));
      assert.equal(message.stop_reason, "tool_use");
      const use = message.content.find((block) => block.type === "tool_use");
      assert.ok(use && use.type === "tool_use");
      assert.equal(use.name, TOOL_NAME);
      assert.deepEqual(replyInput.parse(use.input), { body: "LGTM", labels: LABELS });

      const final = await anthropic.messages.create({
        model: MODEL,
        max_tokens: 100,
        tools: anthropicTools,
        messages: [
          { role: "user", content: question },
          { role: "assistant", content: message.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "posted" }] },
        ],
      });
      assert.deepEqual(final.content, [{ type: "text", text: "Replied." }]);
    });

    await t.step("@anthropic-ai/sdk, streaming: tool_use has the original name and an object", async () => {
      const message = await anthropic.messages.stream({
        model: MODEL,
        max_tokens: 100,
        tools: anthropicTools,
        messages: [{ role: "user", content: question }],
      }).finalMessage();
      assertDeclared(upstream.requests.at(-1));
      const use = message.content.find((block) => block.type === "tool_use");
      assert.ok(use && use.type === "tool_use");
      assert.equal(use.name, TOOL_NAME);
      assert.deepEqual(replyInput.parse(use.input), { body: "LGTM", labels: LABELS });
    });
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
