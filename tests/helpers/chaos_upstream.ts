/**
 * A chaos upstream on 127.0.0.1: an OpenAI- and Anthropic-compatible fake whose answers fail at set rates,
 * drawn from a seeded random sequence so that a test sees the same mix on every run: HTTP 500s, 429s,
 * dropped connections (headers, then a broken body) and malformed bodies (an HTML page, cut JSON, a
 * stream that is JSON, or whose first event is not JSON). Everything else is a well-formed answer.
 */
import {
  anthropicMessage,
  anthropicStreamEvents,
  chatCompletion,
  chatCompletionChunks,
  type FakeUpstream,
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "./fake_upstream.ts";

/** Shares of each kind of failure, in [0, 1]. */
export interface ChaosRates {
  serverError: number;
  rateLimit: number;
  dropped: number;
  malformed: number;
}

/** The rates of the issue's chaos upstream: 10 % 500, 10 % 429, 5 % dropped, 5 % malformed. */
export const ISSUE_CHAOS: ChaosRates = { serverError: 0.1, rateLimit: 0.1, dropped: 0.05, malformed: 0.05 };

/** What the chaos upstream did, by kind, for the test's report. */
export type ChaosCounts = Record<"ok" | "serverError" | "rateLimit" | "dropped" | "malformed", number>;

/** A running chaos upstream. */
export interface ChaosUpstream extends FakeUpstream {
  counts: ChaosCounts;
}

/** Mulberry32: a small seeded PRNG with a good spread, enough for test schedules. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Start a chaos upstream answering `/v1/chat/completions` (OpenAI) and `/v1/messages` (Anthropic). */
export function startChaosUpstream(options: { seed: number; rates?: ChaosRates }): ChaosUpstream {
  const random = seededRandom(options.seed);
  const rates = options.rates ?? ISSUE_CHAOS;
  const counts: ChaosCounts = { ok: 0, serverError: 0, rateLimit: 0, dropped: 0, malformed: 0 };
  const upstream = startFakeUpstream((request) => {
    const anthropic = request.path.endsWith("/messages");
    const stream = request.json?.stream === true;
    let roll = random();
    const variant = random();
    if ((roll -= rates.serverError) < 0) {
      counts.serverError++;
      return anthropic
        ? jsonResponse({ type: "error", error: { type: "api_error", message: "Internal server error" } }, 500)
        : jsonResponse({ error: { message: "The server had an error", type: "server_error" } }, 500);
    }
    if ((roll -= rates.rateLimit) < 0) {
      counts.rateLimit++;
      const body = anthropic
        ? { type: "error", error: { type: "rate_limit_error", message: "Rate limited" } }
        : { error: { message: "Rate limit reached for requests", type: "requests" } };
      return jsonResponse(body, 429, { "retry-after": "1" });
    }
    if ((roll -= rates.dropped) < 0) {
      counts.dropped++;
      return dropped(request, variant);
    }
    if ((roll -= rates.malformed) < 0) {
      counts.malformed++;
      return malformed(stream, variant);
    }
    counts.ok++;
    return good(request, anthropic, stream);
  });
  return { ...upstream, counts };
}

function good(request: RecordedRequest, anthropic: boolean, stream: boolean): Response {
  const model = String(request.json?.model ?? "m");
  if (anthropic) {
    return stream
      ? sseResponse(anthropicStreamEvents(model, ["Hello", ", world"]))
      : jsonResponse(anthropicMessage(model, "Hello, world"));
  }
  return stream
    ? sseResponse(chatCompletionChunks(model, ["Hello", ", world"]))
    : jsonResponse(chatCompletion(model, "Hello, world"));
}

/** The headers of a success, then a body that breaks (at once, or after a few bytes). */
function dropped(request: RecordedRequest, variant: number): Response {
  const stream = request.json?.stream === true;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (variant < 0.5) controller.enqueue(encoder.encode(stream ? ": keep-alive\n\n" : '{"id":"chat'));
      controller.error(new Error("connection dropped"));
    },
  });
  return new Response(body, {
    status: 200,
    headers: { "content-type": stream ? "text/event-stream" : "application/json" },
  });
}

/** A `200` whose body is not what was asked for. */
function malformed(stream: boolean, variant: number): Response {
  if (variant < 0.34) {
    return new Response("<html><body><h1>502 Bad Gateway</h1></body></html>", {
      status: 200,
      headers: { "content-type": "text/html" },
    });
  }
  if (stream) {
    return variant < 0.67
      ? jsonResponse({ id: "chatcmpl-x", object: "chat.completion", choices: [] })
      : sseResponse(['data: {"id": "chatcmpl-x", "choices": [\n\n', "data: [DONE]\n\n"]);
  }
  return new Response('{"id": "chatcmpl-x", "choices": [{"index": 0, "message": {"content": "He', {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}
