/**
 * Fake upstreams of every wire format that behave like one model checking the weather: asked with
 * tools and no tool result yet, they call `get_weather({"city":"Paris"})`; otherwise they answer text
 * ("It is sunny in Paris." after a tool result, "Hello from <format>" before). JSON or streamed, in each
 * vendor's documented shape. For the format matrix and the front-door end-to-end tests.
 */
import { geminiHandler } from "./fake_gemini.ts";
import { chatCompletionChunks, jsonResponse, type RecordedRequest, sseResponse } from "./fake_upstream.ts";

/** The arguments every fake calls `get_weather` with. */
export const WEATHER_ARGUMENTS = { city: "Paris" } as const;

/** The text every fake answers after a tool result. */
export const WEATHER_ANSWER = "It is sunny in Paris.";

/** Whether a request asks for a tool call: tools given, no tool result in the conversation yet. */
function wantsCall(request: RecordedRequest, isResult: (message: Record<string, unknown>) => boolean) {
  const body = request.json ?? {};
  const messages = (body.messages ?? []) as Array<Record<string, unknown>>;
  const answered = messages.some(isResult);
  return { call: Array.isArray(body.tools) && body.tools.length > 0 && !answered, answered };
}

/** An OpenAI Chat Completions weather model (`/v1/chat/completions`). */
export function openAIWeather(request: RecordedRequest): Response {
  if (request.path.endsWith("/models")) {
    return jsonResponse({
      object: "list",
      data: [{ id: "gpt-test", object: "model", created: 1, owned_by: "t" }],
    });
  }
  const body = request.json ?? {};
  const { call, answered } = wantsCall(request, (message) => message.role === "tool");
  const text = answered ? WEATHER_ANSWER : "Hello from openai";
  const usage = { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 };
  if (!call) {
    if (body.stream) return sseResponse(chatCompletionChunks("gpt-test", [text.slice(0, 6), text.slice(6)]));
    return jsonResponse({
      id: "chatcmpl-w",
      object: "chat.completion",
      created: 1,
      model: "gpt-test",
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage,
    });
  }
  const id = "call_weather_1";
  if (body.stream) {
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${
        JSON.stringify({
          id: "chatcmpl-w",
          object: "chat.completion.chunk",
          created: 1,
          model: "gpt-test",
          choices: [{ index: 0, delta, finish_reason: finish }],
        })
      }\n\n`;
    const start = { index: 0, id, type: "function", function: { name: "get_weather", arguments: "" } };
    return sseResponse([
      chunk({ role: "assistant", content: null }, null),
      chunk({ tool_calls: [start] }, null),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null),
      chunk({}, "tool_calls"),
      "data: [DONE]\n\n",
    ]);
  }
  const toolCall = {
    id,
    type: "function",
    function: { name: "get_weather", arguments: JSON.stringify(WEATHER_ARGUMENTS) },
  };
  return jsonResponse({
    id: "chatcmpl-w",
    object: "chat.completion",
    created: 1,
    model: "gpt-test",
    choices: [{
      index: 0,
      message: { role: "assistant", content: null, tool_calls: [toolCall] },
      finish_reason: "tool_calls",
    }],
    usage,
  });
}

/** An Anthropic Messages weather model (`/v1/messages`). */
export function anthropicWeather(request: RecordedRequest): Response {
  if (request.path.endsWith("/models")) {
    return jsonResponse({ data: [{ id: "claude-test", type: "model" }], has_more: false });
  }
  const body = request.json ?? {};
  const { call, answered } = wantsCall(request, (message) =>
    Array.isArray(message.content) &&
    message.content.some((block: { type?: string }) => block.type === "tool_result"));
  const text = answered ? WEATHER_ANSWER : "Hello from anthropic";
  const usage = { input_tokens: 12, output_tokens: 4 };
  const toolUse = { type: "tool_use", id: "toolu_weather_1", name: "get_weather", input: WEATHER_ARGUMENTS };
  const stopReason = call ? "tool_use" : "end_turn";
  if (!body.stream) {
    return jsonResponse({
      id: "msg_w",
      type: "message",
      role: "assistant",
      model: "claude-test",
      content: call ? [toolUse] : [{ type: "text", text }],
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
  }
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const message = {
    id: "msg_w",
    type: "message",
    role: "assistant",
    model: "claude-test",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 1 },
  };
  const block = call
    ? [
      event("content_block_start", { index: 0, content_block: { ...toolUse, input: {} } }),
      event("content_block_delta", {
        index: 0,
        delta: { type: "input_json_delta", partial_json: '{"city":' },
      }),
      event("content_block_delta", {
        index: 0,
        delta: { type: "input_json_delta", partial_json: '"Paris"}' },
      }),
    ]
    : [
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text: text.slice(0, 6) } }),
      event("content_block_delta", { index: 0, delta: { type: "text_delta", text: text.slice(6) } }),
    ];
  return sseResponse([
    event("message_start", { message }),
    event("ping", {}),
    ...block,
    event("content_block_stop", { index: 0 }),
    event("message_delta", {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: 4 },
    }),
    event("message_stop", {}),
  ]);
}

/** A Gemini weather model (`/v1beta/models/{model}:generateContent` and `:streamGenerateContent`). */
export function geminiWeather(request: RecordedRequest): Response {
  return geminiHandler(request);
}
