/**
 * A fake upstream LLM server on 127.0.0.1 for tests: records every request and answers with a
 * handler the test supplies. Helpers build OpenAI-shaped JSON and SSE answers.
 */

/** A request as the fake upstream received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: string;
  json: Record<string, unknown> | null;
}

/** The handler of a fake upstream. */
export type FakeHandler = (request: RecordedRequest, raw: Request) => Response | Promise<Response>;

/** A running fake upstream. */
export interface FakeUpstream {
  /** Base URL with `/v1`, as `<PROVIDER>_API_BASE` takes it. */
  baseUrl: string;
  origin: string;
  requests: RecordedRequest[];
  /** Replace the handler. */
  setHandler(handler: FakeHandler): void;
  close(): Promise<void>;
}

/** Start a fake upstream on a free port of 127.0.0.1. */
export function startFakeUpstream(handler: FakeHandler = defaultOpenAIHandler): FakeUpstream {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (raw) => {
    const url = new URL(raw.url);
    const body = raw.method === "GET" || raw.method === "HEAD" ? "" : await raw.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = body ? JSON.parse(body) : null;
    } catch {
      json = null;
    }
    const recorded = {
      method: raw.method,
      path: url.pathname,
      search: url.search,
      headers: raw.headers,
      body,
      json,
    };
    requests.push(recorded);
    return await current(recorded, raw);
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    baseUrl: `${origin}/v1`,
    origin,
    requests,
    setHandler(next) {
      current = next;
    },
    async close() {
      await server.shutdown();
    },
  };
}

/** An OpenAI chat completion object answering `content`. */
export function chatCompletion(model: string, content: string): Record<string, unknown> {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  };
}

/** The SSE chunks of a streamed chat completion of `pieces`, ending with `data: [DONE]`. */
export function chatCompletionChunks(model: string, pieces: string[]): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${
      JSON.stringify({
        id: "chatcmpl-test",
        object: "chat.completion.chunk",
        created: 1_700_000_000,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })
    }\n\n`;
  return [
    chunk({ role: "assistant", content: "" }, null),
    ...pieces.map((piece) => chunk({ content: piece }, null)),
    chunk({}, "stop"),
    "data: [DONE]\n\n",
  ];
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** An SSE response that sends `events` one by one, waiting `gapMs` between them. */
export function sseResponse(events: string[], gapMs = 0): Response {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index >= events.length) {
        controller.close();
        return;
      }
      if (index > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      controller.enqueue(encoder.encode(events[index++]));
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/** Answers chat completions (JSON or SSE, echoing the model) and `/models` like OpenAI. */
export function defaultOpenAIHandler(request: RecordedRequest): Response {
  if (request.path.endsWith("/models")) {
    return jsonResponse({
      object: "list",
      data: [
        { id: "gpt-test", object: "model", created: 1_700_000_000, owned_by: "test" },
        { id: "vendor/nested-model", object: "model", created: 1_700_000_001, owned_by: "vendor" },
      ],
    });
  }
  if (request.path.endsWith("/chat/completions")) {
    const model = String(request.json?.model ?? "unknown");
    if (request.json?.stream === true) {
      return sseResponse(chatCompletionChunks(model, ["Hello", ", ", "world"]));
    }
    return jsonResponse(chatCompletion(model, "Hello, world"));
  }
  return jsonResponse({ error: { message: "not found", type: "invalid_request_error" } }, 404);
}

/** An Anthropic `message` object answering `text`. */
export function anthropicMessage(model: string, text: string): Record<string, unknown> {
  return {
    id: "msg_test_01",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 },
  };
}

/** The SSE events of a streamed Anthropic message answering `pieces`, in the documented order. */
export function anthropicStreamEvents(model: string, pieces: string[]): string[] {
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return [
    event("message_start", {
      message: {
        id: "msg_test_02",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 12,
          output_tokens: 1,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    }),
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    event("ping", {}),
    ...pieces.map((text) => event("content_block_delta", { index: 0, delta: { type: "text_delta", text } })),
    event("content_block_stop", { index: 0 }),
    event("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: pieces.length },
    }),
    event("message_stop", {}),
  ];
}
