/** `variablesFromOptions()` and `readEventStream()`: the library's two translations, tested alone. */
import assert from "node:assert/strict";
import { RotatingClientError } from "../../lib/library/errors.ts";
import { readEventStream } from "../../lib/library/event_stream.ts";
import { variablesFromOptions } from "../../lib/library/variables.ts";

Deno.test("variablesFromOptions() spells the options as the server's variables; options win over settings", () => {
  const variables = variablesFromOptions({
    apiKeys: { openai: ["sk-1", "sk-2"], my_local: "x" },
    apiBases: { my_local: "http://127.0.0.1:1234/v1" },
    globalTimeout: 12,
    maxRetries: 0,
    settings: { GLOBAL_TIMEOUT: "99", MODEL_ALIAS_SMART: "openai/gpt-4o" },
  }, "internal");
  assert.deepEqual(variables, {
    OPENAI_API_KEY_1: "sk-1",
    OPENAI_API_KEY_2: "sk-2",
    MY_LOCAL_API_KEY_1: "x",
    MY_LOCAL_API_BASE: "http://127.0.0.1:1234/v1",
    GLOBAL_TIMEOUT: "12",
    MAX_RETRIES: "0",
    MODEL_ALIAS_SMART: "openai/gpt-4o",
    PROXY_LOG_LEVEL: "warn",
    PROXY_API_KEY: "internal",
  });
});

function sse(text: string): Response {
  return new Response(text, { headers: { "content-type": "text/event-stream" } });
}

async function collect(response: Response, format: "openai" | "anthropic") {
  const events = [];
  for await (const event of readEventStream(response, { format })) events.push(event);
  return events;
}

Deno.test("readEventStream() yields parsed events and skips [DONE]", async () => {
  const events = await collect(sse('data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n'), "openai");
  assert.deepEqual(events, [{ a: 1 }, { b: 2 }]);
});

Deno.test("readEventStream() throws OpenAI and Anthropic error events as RotatingClientError", async () => {
  await assert.rejects(
    collect(
      sse(
        'data: {"a":1}\n\ndata: {"error":{"message":"broke","type":"api_error","code":"stream_error"}}\n\n',
      ),
      "openai",
    ),
    (error: unknown) =>
      error instanceof RotatingClientError && error.status === 502 && error.code === "stream_error" &&
      error.afterOutput && error.message === "broke",
  );
  await assert.rejects(
    collect(
      sse('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy"}}\n\n'),
      "anthropic",
    ),
    (error: unknown) =>
      error instanceof RotatingClientError && error.status === 529 && error.type === "overloaded_error",
  );
});
