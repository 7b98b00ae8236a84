import assert from "node:assert/strict";
import { canonicalToResponsesRequest } from "../../../../lib/formats/responses/request.ts";
import { canonicalRequest } from "../../../helpers/canonical.ts";

Deno.test("canonicalToResponsesRequest() writes stateless input items, tools and settings", () => {
  const body = canonicalToResponsesRequest(canonicalRequest("gpt-5", {
    system: [{ type: "text", text: "Be brief." }],
    messages: [
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "mine", signature: "responses:enc-1" },
          { type: "reasoning", text: "Claude's", signature: "sig-claude" },
          { type: "text", text: "Checking." },
          { type: "tool-call", id: "call_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool-result",
            toolCallId: "call_1",
            content: [{ type: "text", text: "22°C" }],
            isError: false,
          },
          { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
        ],
      },
    ],
    tools: [{ name: "get_weather", description: "d", inputSchema: { type: "object" } }],
    toolChoice: { type: "any", parallel: false },
    maxTokens: 500,
    reasoning: { enabled: true, effort: "low" },
    responseFormat: { type: "json_object" },
    stream: true,
  }));
  assert.deepEqual(body, {
    model: "gpt-5",
    input: [
      { type: "message", role: "user", content: [{ type: "input_text", text: "Weather?" }] },
      // Only OpenAI's own reasoning goes back to it.
      { type: "reasoning", summary: [{ type: "summary_text", text: "mine" }], encrypted_content: "enc-1" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
      { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
      { type: "function_call_output", call_id: "call_1", output: "22°C" },
      {
        type: "message",
        role: "user",
        content: [{ type: "input_image", image_url: "https://example.com/a.png", detail: "auto" }],
      },
    ],
    stream: true,
    store: false,
    instructions: "Be brief.",
    tools: [{
      type: "function",
      name: "get_weather",
      description: "d",
      parameters: { type: "object" },
      strict: false,
    }],
    tool_choice: "required",
    parallel_tool_calls: false,
    max_output_tokens: 500,
    reasoning: { effort: "low", summary: "auto" },
    include: ["reasoning.encrypted_content"],
    text: { format: { type: "json_object" } },
  });
});
