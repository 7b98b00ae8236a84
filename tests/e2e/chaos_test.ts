/**
 * End to end, through the real proxy process: 200 mixed JSON and streamed requests on the OpenAI and
 * Anthropic front doors against a chaos upstream (10 % 500, 10 % 429, 5 % dropped connections, 5 %
 * malformed bodies) with 4 keys per provider. At least 97 % must succeed, every failure must carry the
 * client's error shape, and no answer may be a `200` with garbage or a stream that ends silently.
 */
import assert from "node:assert/strict";
import { SseParser } from "../../lib/formats/sse.ts";
import { startChaosUpstream } from "../helpers/chaos_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

type FrontDoor = "openai" | "anthropic";
type Outcome = { ok: true } | { ok: false; problem: string };

const REQUESTS = 200;
const CONCURRENCY = 8;

Deno.test("chaos: ≥97 % of 200 mixed requests succeed and every failure has the client's error shape", async () => {
  const upstream = startChaosUpstream({ seed: 20261203 });
  const keys = (prefix: string) =>
    Object.fromEntries(
      [1, 2, 3, 4].map((
        index,
      ) => [`${prefix}_API_KEY_${index}`, `sk-chaos-${prefix.toLowerCase()}-${index}xxxxxxxx`]),
    );
  const proxy = await startProxy({
    env: {
      CHAOS_API_BASE: upstream.baseUrl,
      ...keys("CHAOS"),
      ANTHROPIC_API_BASE: upstream.origin,
      ...keys("ANTHROPIC"),
      PROXY_LOG_LEVEL: "error",
    },
  });
  try {
    const plan = Array.from({ length: REQUESTS }, (_, index) => ({
      door: (index % 2 === 0 ? "openai" : "anthropic") as FrontDoor,
      stream: index % 4 >= 2,
      // Half the calls pass through (same format), half are translated.
      model: index % 8 < 4 ? "chaos/gpt-test" : "anthropic/claude-test",
    }));
    const outcomes: Outcome[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < plan.length) {
        const request = plan[next++];
        outcomes.push(await call(proxy.url, request.door, request.model, request.stream));
      }
    }));
    const failures = outcomes.filter((outcome): outcome is { ok: false; problem: string } => !outcome.ok);
    const shapeless = failures.filter((failure) => failure.problem.startsWith("shape:"));
    const report = `upstream: ${JSON.stringify(upstream.counts)}; failures: ${
      JSON.stringify(failures.map((failure) => failure.problem))
    }`;
    assert.deepEqual(shapeless, [], report);
    assert.ok(failures.length <= REQUESTS * 0.03, report);
    // The chaos really happened.
    assert.ok(upstream.counts.malformed + upstream.counts.dropped > 10, report);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

async function call(url: string, door: FrontDoor, model: string, stream: boolean): Promise<Outcome> {
  const path = door === "openai" ? "/v1/chat/completions" : "/v1/messages";
  const body = door === "openai"
    ? { model, stream, messages: [{ role: "user", content: "Hi" }] }
    : { model, stream, max_tokens: 64, messages: [{ role: "user", content: "Hi" }] };
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) return { ok: false, problem: errorShape(door, response.status, text) };
  if (!stream) return jsonOutcome(door, text);
  return streamOutcome(door, response.headers.get("content-type") ?? "", text);
}

/** `error <status>` when the body is the client's error shape, `shape: …` when it is not. */
function errorShape(door: FrontDoor, status: number, text: string): string {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch {
    return `shape: ${status} with a body that is not JSON: ${text.slice(0, 80)}`;
  }
  const error = json.error as Record<string, unknown> | undefined;
  const shaped = door === "openai"
    ? typeof error?.message === "string" && typeof error?.type === "string"
    : json.type === "error" && typeof error?.message === "string" && typeof error?.type === "string";
  return shaped ? `error ${status} ${error!.type}` : `shape: ${status} ${text.slice(0, 120)}`;
}

function jsonOutcome(door: FrontDoor, text: string): Outcome {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: `shape: a 200 with a body that is not JSON: ${text.slice(0, 80)}` };
  }
  const content = door === "openai"
    ? (json.choices as Array<{ message: { content: string } }> | undefined)?.[0]?.message?.content
    : (json.content as Array<{ text?: string }> | undefined)?.map((block) => block.text ?? "").join("");
  return content === "Hello, world"
    ? { ok: true }
    : { ok: false, problem: `shape: a 200 without the answer: ${text.slice(0, 120)}` };
}

/** A stream succeeds when it ends as its format ends; one that fails must end with an error event. */
function streamOutcome(door: FrontDoor, type: string, text: string): Outcome {
  if (!type.startsWith("text/event-stream")) return { ok: false, problem: `shape: a 200 stream of ${type}` };
  const parser = new SseParser();
  const events = [...parser.push(text), ...parser.end()];
  let content = "";
  for (const event of events) {
    if (event.data === "[DONE]") continue;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data);
    } catch {
      return { ok: false, problem: `shape: an event that is not JSON: ${event.data.slice(0, 80)}` };
    }
    if (data.error !== undefined || data.type === "error") {
      const error = data.error as Record<string, unknown> | undefined;
      const shaped = typeof error?.message === "string" && typeof error?.type === "string" &&
        (door === "openai" || event.event === "error");
      return { ok: false, problem: shaped ? "error event" : `shape: error event ${event.data.slice(0, 80)}` };
    }
    if (door === "openai") {
      const choices = data.choices as Array<{ delta?: { content?: string } }> | undefined;
      content += choices?.[0]?.delta?.content ?? "";
    } else {
      const delta = data.delta as { text?: string } | undefined;
      if (data.type === "content_block_delta") content += delta?.text ?? "";
    }
  }
  const finished = door === "openai"
    ? events.some((event) => event.data === "[DONE]")
    : events.some((event) => event.event === "message_stop");
  if (!finished) return { ok: false, problem: `shape: a stream that ended silently after "${content}"` };
  return content === "Hello, world"
    ? { ok: true }
    : { ok: false, problem: `shape: a stream without the answer: "${content}"` };
}
