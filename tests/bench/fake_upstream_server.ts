// deno-lint-ignore-file no-console
/**
 * A fast fake OpenAI upstream for the benchmark, meant to run in its own process:
 * `deno run --allow-net=127.0.0.1 tests/bench/fake_upstream_server.ts`. It listens on a free port of
 * 127.0.0.1, prints `listening <port>` once, and answers `POST /v1/chat/completions` with bytes
 * computed at start-up: a chat.completion JSON, or, when the request asks for `"stream": true`, an SSE
 * stream of {@link STREAM_EVENTS} events, each enqueued as its own chunk (as a real model streams them),
 * so that the proxy's cost per chunk shows. Its own cost per request is kept as small as possible.
 */
import { chatCompletion, chatCompletionChunks } from "../helpers/fake_upstream.ts";

/** The model id the fixed answers name. */
export const BENCH_UPSTREAM_MODEL = "gpt-bench";

const encoder = new TextEncoder();

/** The fixed non-streaming answer. */
export const COMPLETION_BYTES: Uint8Array<ArrayBuffer> = encoder.encode(
  JSON.stringify(chatCompletion(BENCH_UPSTREAM_MODEL, "Hello from the benchmark upstream.")),
);

const PIECES = "Hello from the benchmark upstream, which streams its answer in many small pieces now."
  .split(/(?= )/);

/** The streamed answer's events, each sent as its own chunk: role, the pieces, finish, `[DONE]`. */
export const STREAM_EVENTS: readonly Uint8Array<ArrayBuffer>[] = chatCompletionChunks(
  BENCH_UPSTREAM_MODEL,
  PIECES,
).map((event) => encoder.encode(event));

/** The usage chunk OpenAI sends last when the request asks `stream_options.include_usage`. */
const USAGE_EVENT = encoder.encode(`data: ${
  JSON.stringify({
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: BENCH_UPSTREAM_MODEL,
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: PIECES.length, total_tokens: 9 + PIECES.length },
  })
}\n\n`);

/** The streamed answer's events with the usage chunk before `[DONE]`. */
export const STREAM_EVENTS_WITH_USAGE: readonly Uint8Array<ArrayBuffer>[] = [
  ...STREAM_EVENTS.slice(0, -1),
  USAGE_EVENT,
  STREAM_EVENTS[STREAM_EVENTS.length - 1],
];

/** The whole streamed answer, as a client reads it. */
export const STREAM_BYTES: Uint8Array<ArrayBuffer> = encoder.encode(
  chatCompletionChunks(BENCH_UPSTREAM_MODEL, PIECES).join(""),
);

const MODELS_BYTES = encoder.encode(JSON.stringify({
  object: "list",
  data: [{ id: BENCH_UPSTREAM_MODEL, object: "model", created: 1_700_000_000, owned_by: "bench" }],
}));
const NOT_FOUND_BYTES = encoder.encode(
  JSON.stringify({ error: { message: "not found", type: "invalid_request_error" } }),
);
const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** The SSE events of the streamed answer, one chunk each, as fast as the client takes them. */
function streamBody(events: readonly Uint8Array<ArrayBuffer>[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(events[index++]);
      if (index === events.length) controller.close();
    },
  }, { highWaterMark: 0 });
}

/** Answer one request with precomputed bytes. */
export async function handleBenchRequest(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method === "POST" && pathname === "/v1/chat/completions") {
    const body: unknown = await request.json().catch(() => null);
    const fields = typeof body === "object" && body !== null ? body as Record<string, unknown> : {};
    const options = fields.stream_options as { include_usage?: unknown } | undefined;
    const events = options?.include_usage === true ? STREAM_EVENTS_WITH_USAGE : STREAM_EVENTS;
    return fields.stream === true
      ? new Response(streamBody(events), { headers: SSE_HEADERS })
      : new Response(COMPLETION_BYTES, { headers: JSON_HEADERS });
  }
  if (request.method === "GET" && pathname === "/v1/models") {
    return new Response(MODELS_BYTES, { headers: JSON_HEADERS });
  }
  await request.body?.cancel();
  return new Response(NOT_FOUND_BYTES, { status: 404, headers: JSON_HEADERS });
}

if (import.meta.main) {
  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`listening ${port}`),
  }, handleBenchRequest);
}
