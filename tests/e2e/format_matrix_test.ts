/**
 * The format matrix, end to end: every front door × every upstream format, for plain text, a tool call
 * and the answer to its result, as JSON and as a stream, over real HTTP on 127.0.0.1. One table per
 * axis: adding a format is one entry in {@link DOORS} (how its clients ask and read) and one in
 * {@link UPSTREAMS} (a fake of its providers). No built-in provider speaks the Responses API yet, so the
 * app is served in-process with a Responses provider added (`serveWithResponsesProvider`); the other
 * providers come from the same variables as in the real process.
 */
import assert from "node:assert/strict";
import { SseParser } from "../../lib/formats/sse.ts";
import { type FakeHandler, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { TEST_PROXY_KEY } from "../helpers/proxy_process.ts";
import { responsesHandler, serveWithResponsesProvider } from "../helpers/fake_responses.ts";
import {
  anthropicWeather,
  geminiWeather,
  openAIWeather,
  WEATHER_ANSWER,
  WEATHER_ARGUMENTS,
} from "../helpers/weather_upstreams.ts";

type Json = Record<string, unknown>;

/** What the client asks: plain text, a turn that should call the tool, or the turn after the tool ran. */
type Turn = "text" | "tool-call" | "tool-result";

/** What the client read from an answer. */
interface Answer {
  text: string;
  calls: Array<{ name: string; args: unknown }>;
}

/** A front door: how its clients ask and how they read answers. */
interface Door {
  name: string;
  request(turn: Turn, model: string, stream: boolean): { path: string; body: Json };
  read(body: string, stream: boolean): Answer;
}

/** An upstream format: a fake of its providers and the model name that reaches it. */
interface Upstream {
  name: string;
  handler: FakeHandler;
  /** Proxy variables naming the fake (`{origin}` and `{baseUrl}` are filled in). */
  env: Record<string, string>;
  model: string;
  /** What it answers without a tool call, and after the tool's result. @default the weather fakes' */
  texts?: { hello: RegExp; answer: string };
}

/** The provider of the Responses fake, which `serveWithResponsesProvider` adds (no variable names it). */
const RESPONSES_BASE = "{responses}";

const WEATHER_SCHEMA = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

/** The `data:` payloads of an SSE body, parsed; `[DONE]` and non-JSON tails left out. */
function sseData(body: string): Json[] {
  const parser = new SseParser();
  return [...parser.push(body), ...parser.end()].flatMap((event) => {
    try {
      return [JSON.parse(event.data)];
    } catch {
      return [];
    }
  });
}

const openAIDoor: Door = {
  name: "openai",
  request(turn, model, stream) {
    const messages: Json[] = [{ role: "user", content: "Weather in Paris?" }];
    if (turn === "tool-result") {
      messages.push({
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        }],
      });
      messages.push({ role: "tool", tool_call_id: "call_1", content: "sunny" });
    }
    const body: Json = { model, messages, stream };
    if (turn !== "text") {
      body.tools = [{ type: "function", function: { name: "get_weather", parameters: WEATHER_SCHEMA } }];
    }
    return { path: "/v1/chat/completions", body };
  },
  read(body, stream) {
    if (!stream) {
      const message = JSON.parse(body).choices[0].message;
      const calls = (message.tool_calls ?? []).map((
        call: { function: { name: string; arguments: string } },
      ) => ({
        name: call.function.name,
        args: JSON.parse(call.function.arguments),
      }));
      return { text: message.content ?? "", calls };
    }
    let text = "";
    const calls: Array<{ name: string; args: string }> = [];
    for (const chunk of sseData(body)) {
      assert.equal(chunk.error, undefined, JSON.stringify(chunk));
      const delta = (chunk.choices as Array<{ delta: Json }>)[0]?.delta ?? {};
      if (typeof delta.content === "string") text += delta.content;
      for (const call of (delta.tool_calls ?? []) as Array<{ index: number; function: Json }>) {
        calls[call.index] ??= { name: "", args: "" };
        if (typeof call.function.name === "string") calls[call.index].name = call.function.name;
        calls[call.index].args += String(call.function.arguments ?? "");
      }
    }
    return { text, calls: calls.map((call) => ({ name: call.name, args: JSON.parse(call.args) })) };
  },
};

const anthropicDoor: Door = {
  name: "anthropic",
  request(turn, model, stream) {
    const messages: Json[] = [{ role: "user", content: "Weather in Paris?" }];
    if (turn === "tool-result") {
      messages.push({
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: WEATHER_ARGUMENTS }],
      });
      messages.push({
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny" }],
      });
    }
    const body: Json = { model, max_tokens: 256, messages, stream };
    if (turn !== "text") body.tools = [{ name: "get_weather", input_schema: WEATHER_SCHEMA }];
    return { path: "/v1/messages", body };
  },
  read(body, stream) {
    if (!stream) {
      const content = JSON.parse(body).content as Json[];
      return {
        text: content.filter((block) => block.type === "text").map((block) => block.text).join(""),
        calls: content.filter((block) => block.type === "tool_use").map((block) => ({
          name: String(block.name),
          args: block.input,
        })),
      };
    }
    let text = "";
    const calls: Array<{ name: string; args: string }> = [];
    let stopped = false;
    for (const event of sseData(body)) {
      assert.notEqual(event.type, "error", JSON.stringify(event));
      if (event.type === "message_stop") stopped = true;
      const block = event.content_block as Json | undefined;
      if (event.type === "content_block_start" && block?.type === "tool_use") {
        calls.push({ name: String(block.name), args: "" });
      }
      const delta = event.delta as Json | undefined;
      if (delta?.type === "text_delta") text += delta.text;
      if (delta?.type === "input_json_delta") calls[calls.length - 1].args += delta.partial_json;
    }
    assert.ok(stopped, "the stream ends with message_stop");
    return { text, calls: calls.map((call) => ({ name: call.name, args: JSON.parse(call.args || "{}") })) };
  },
};

const geminiDoor: Door = {
  name: "gemini",
  request(turn, model, stream) {
    const contents: Json[] = [{ role: "user", parts: [{ text: "Weather in Paris?" }] }];
    if (turn === "tool-result") {
      // As Gemini clients often send them: no call ids, the result paired by name.
      contents.push({
        role: "model",
        parts: [{ functionCall: { name: "get_weather", args: WEATHER_ARGUMENTS } }],
      });
      contents.push({
        role: "user",
        parts: [{ functionResponse: { name: "get_weather", response: { output: "sunny" } } }],
      });
    }
    const body: Json = { contents };
    if (turn !== "text") {
      body.tools = [{
        functionDeclarations: [{ name: "get_weather", parametersJsonSchema: WEATHER_SCHEMA }],
      }];
    }
    const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
    return { path: `/v1beta/models/${model}:${method}`, body };
  },
  read(body, stream) {
    const chunks = stream ? sseData(body) : [JSON.parse(body)];
    let text = "";
    const calls: Answer["calls"] = [];
    let finishReason: unknown;
    for (const chunk of chunks) {
      assert.equal(chunk.error, undefined, JSON.stringify(chunk));
      const candidate = (chunk.candidates as Json[])[0];
      finishReason ??= candidate.finishReason;
      for (const part of ((candidate.content as Json)?.parts ?? []) as Json[]) {
        if (typeof part.text === "string" && part.thought !== true) text += part.text;
        const call = part.functionCall as Json | undefined;
        if (call) calls.push({ name: String(call.name), args: call.args });
      }
    }
    // Gemini CLI retries a stream without a finish reason; a tool-call turn ends with STOP as Gemini's do.
    assert.equal(finishReason, "STOP");
    return { text, calls };
  },
};

const responsesDoor: Door = {
  name: "responses",
  request(turn, model, stream) {
    const input: Json[] = [{ role: "user", content: "Weather in Paris?" }];
    if (turn === "tool-result") {
      input.push({
        type: "function_call",
        call_id: "call_1",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
      });
      input.push({ type: "function_call_output", call_id: "call_1", output: "sunny" });
    }
    // As Codex CLI asks: the whole history each turn, nothing kept.
    const body: Json = { model, input, stream, store: false };
    if (turn !== "text") body.tools = [{ type: "function", name: "get_weather", parameters: WEATHER_SCHEMA }];
    return { path: "/v1/responses", body };
  },
  read(body, stream) {
    let response: Json;
    if (stream) {
      const events = sseData(body);
      assert.equal(events[0].type, "response.created");
      assert.deepEqual(events.map((event) => event.sequence_number), events.map((_, index) => index));
      const last = events.at(-1)!;
      // Codex CLI retries the whole turn when the stream ends without it.
      assert.equal(last.type, "response.completed", JSON.stringify(last));
      response = last.response as Json;
    } else response = JSON.parse(body);
    const output = response.output as Json[];
    const text = output.filter((item) => item.type === "message")
      .flatMap((item) => item.content as Json[])
      .map((part) => part.text).join("");
    const calls = output.filter((item) => item.type === "function_call")
      .map((item) => ({ name: String(item.name), args: JSON.parse(String(item.arguments)) }));
    return { text, calls };
  },
};

/** The front doors. */
const DOORS: readonly Door[] = [openAIDoor, anthropicDoor, geminiDoor, responsesDoor];

/** The upstream formats. */
const UPSTREAMS: readonly Upstream[] = [
  {
    name: "openai",
    handler: openAIWeather,
    env: { MYLOCAL_API_BASE: "{baseUrl}", MYLOCAL_API_KEY: "sk-matrix-openai-000000001" },
    model: "mylocal/gpt-test",
  },
  {
    name: "anthropic",
    handler: anthropicWeather,
    env: { ANTHROPIC_API_BASE: "{origin}", ANTHROPIC_API_KEY: "sk-ant-matrix-0000000002" },
    model: "anthropic/claude-test",
  },
  {
    name: "gemini",
    handler: geminiWeather,
    env: { GEMINI_API_BASE: "{origin}", GEMINI_API_KEY: "gemini-matrix-key-00000003" },
    model: "gemini/gemini-test",
  },
  {
    name: "responses",
    handler: responsesHandler,
    env: { [RESPONSES_BASE]: "{baseUrl}" },
    model: "oairesp/gpt-resp",
    texts: { hello: /^Sunny in Paris\.$/, answer: "Sunny in Paris." },
  },
];

/** What each turn must produce, whatever the door and the upstream. */
function check(turn: Turn, answer: Answer, upstream: Upstream): void {
  switch (turn) {
    case "text":
      assert.equal(answer.calls.length, 0);
      assert.match(answer.text, upstream.texts?.hello ?? new RegExp(`^Hello from ${upstream.name}$`, "i"));
      break;
    case "tool-call":
      assert.deepEqual(answer.calls, [{ name: "get_weather", args: WEATHER_ARGUMENTS }]);
      break;
    case "tool-result":
      assert.equal(answer.calls.length, 0);
      assert.equal(answer.text, upstream.texts?.answer ?? WEATHER_ANSWER);
      break;
  }
}

Deno.test("every front door × every upstream format: text, tool call and its result, JSON and stream", async (t) => {
  const fakes = UPSTREAMS.map((upstream) => ({ upstream, server: startFakeUpstream(upstream.handler) }));
  const env: Record<string, string> = {};
  for (const { upstream, server } of fakes) {
    for (const [name, value] of Object.entries(upstream.env)) {
      env[name] = value.replace("{origin}", server.origin).replace("{baseUrl}", server.baseUrl);
    }
  }
  const { [RESPONSES_BASE]: responsesBase, ...variables } = env;
  const proxy = await serveWithResponsesProvider(responsesBase, variables);
  try {
    for (const door of DOORS) {
      for (const { upstream } of fakes) {
        for (const turn of ["text", "tool-call", "tool-result"] as const) {
          for (const stream of [false, true]) {
            const name = `${door.name} door → ${upstream.name} upstream: ${turn}${
              stream ? ", streamed" : ""
            }`;
            await t.step(name, async () => {
              const { path, body } = door.request(turn, upstream.model, stream);
              const response = await fetch(`${proxy.url}${path}`, {
                method: "POST",
                headers: {
                  "authorization": `Bearer ${TEST_PROXY_KEY}`,
                  "anthropic-version": "2023-06-01",
                  "content-type": "application/json",
                },
                body: JSON.stringify(body),
              });
              const text = await response.text();
              assert.equal(response.status, 200, text);
              check(turn, door.read(text, stream), upstream);
            });
          }
        }
      }
    }
  } finally {
    await proxy.close();
    for (const { server } of fakes) await server.close();
  }
});
