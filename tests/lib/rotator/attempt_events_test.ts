/**
 * The event stream as observers see it (issue 12): attempt and credential events for a success, a retry,
 * a failover to the next target, a stream cut after output and a client abort, in order and stamped by
 * the fake clock; an observer that throws changes nothing for the call.
 */
import assert from "node:assert/strict";
import { defaultProviderRotation, type RotationSettings } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { EventHub, type ProxyEvent } from "../../../lib/rotator/events.ts";
import { Rotator, type Target } from "../../../lib/rotator/rotator.ts";
import { ClientAbortError, UpstreamClient } from "../../../lib/rotator/upstream_client.ts";
import type { FetchFunction } from "../../../lib/rotator/upstream_call.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import { FakeClock, settle } from "../../helpers/fake_clock.ts";

function provider(id: string, secrets: string[]): ConfiguredProvider {
  return {
    id,
    adapter: openai,
    baseUrl: `http://${id}.test/v1`,
    credentials: secrets.map((secret) => apiKeyCredential(secret)),
    custom: false,
    configuredModels: [],
  };
}

const first = provider("first", ["sk-first-aaaaaaaaaaaaaaaa-1"]);
const second = provider("second", [
  "sk-second-bbbbbbbbbbbbbbbb-2",
  "sk-second-cccccccccccccccc-3",
  "sk-second-dddddddddddddddd-4",
]);

/** Hosts whose answer never comes (until the call is aborted). */
const answerHangs = new Set<string>();

/** Answers by host; the clock moves 10 ms per call so the events carry distinct times. */
function setup(
  answer: (host: string) => Response | Promise<Response>,
  observers: ((event: ProxyEvent) => void)[],
) {
  const clock = new FakeClock();
  const fetch: FetchFunction = async (input, init) => {
    await clock.advance(10);
    const host = new URL(String(input)).hostname;
    if (host === "second.test" && init?.signal && answerHangs.has(host)) {
      // Hangs until the client leaves (the proxy aborts the upstream call then).
      const signal = init.signal;
      return await new Promise<Response>((_resolve, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    return answer(host);
  };
  const settings: RotationSettings = {
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    providers: new Map(
      [first.id, second.id].map((id) => [id, { ...defaultProviderRotation(), mode: "sequential" }]),
    ),
    aliases: new Map(),
  };
  const events = new EventHub({ schedule: () => {} });
  for (const observer of observers) events.subscribe(observer);
  const rotator = new Rotator([first, second], {
    settings,
    globalTimeoutMs: 30_000,
    clock,
    backoffBaseMs: 0,
    random: () => 0,
    events,
  });
  const client = new UpstreamClient({
    rotator,
    fetch,
    clock,
    timeouts: { connectMs: 5_000, streamingReadMs: 5_000, nonStreamingReadMs: 5_000 },
  });
  const call = (targets: Target[], signal?: AbortSignal) => ({
    targets,
    signal,
    facts: { requestId: "req-1", frontDoor: "openai" as const, stream: false },
    build: ({ target, credential, auth }: Parameters<Parameters<UpstreamClient["json"]>[0]["build"]>[0]) =>
      target.provider.adapter.chatRequest({
        baseUrl: target.provider.baseUrl,
        credential,
        auth,
        model: target.model,
        body: {},
        stream: false,
      }),
  });
  return { client, events, call, clock };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function summary(events: ProxyEvent[]): string[] {
  return events.map((event) => {
    if (event.type === "credential-state") {
      return `${event.provider} ${event.state} ${event.reason ?? ""}`.trim();
    }
    if (event.type === "attempt-start") return `@${event.atMs} start ${event.provider} #${event.attempt}`;
    const extra = [event.status, event.failureClass, event.afterOutput ? "after-output" : undefined]
      .filter((part) => part !== undefined).join(" ");
    return `@${event.atMs} end ${event.provider} #${event.attempt} ${event.outcome} ${extra}`.trim();
  });
}

const targets: Target[] = [{ provider: first, model: "m" }, { provider: second, model: "m" }];

Deno.test("events: a failover to the next target, in order, timed by the fake clock", async () => {
  const seen: ProxyEvent[] = [];
  const { client, events, call, clock } = setup(
    (host) => host === "first.test" ? json({ error: { message: "down" } }, 500) : json({ ok: true }),
    [(event) => void seen.push(event)],
  );
  const started = clock.now();
  const result = await client.json(call(targets));
  result.finish({
    ok: true,
    tokens: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, reasoningTokens: 0 },
  });
  events.flush();
  const lines = summary(seen).filter((line) => line.includes("start") || line.includes("end"));
  assert.deepEqual(lines, [
    `@${started} start first #1`,
    `@${started + 10} end first #1 failure 500 server_error`,
    `@${started + 10} start second #2`,
    `@${started + 20} end second #2 success`,
  ]);
  const start = seen.find((event) => event.type === "attempt-start");
  assert.ok(start?.type === "attempt-start" && start.queuedMs === 0);
  const failure = seen.find((event) => event.type === "attempt-end" && event.outcome === "failure");
  assert.ok(failure?.type === "attempt-end" && failure.body?.includes("down"));
});

Deno.test("events: a stream cut after output ends the attempt as a failure after output; an abort as cancelled", async () => {
  const seen: ProxyEvent[] = [];
  const { client, events, call } = setup(() => json({ ok: true }), [(event) => void seen.push(event)]);
  const cut = await client.json(call([targets[1]]));
  cut.finish({ ok: false, error: new Error("the upstream closed the stream") });
  const aborted = await client.json(call([targets[1]]));
  aborted.finish({ ok: false, cancelled: true });
  answerHangs.add("second.test");
  try {
    const controller = new AbortController();
    const pending = client.json(call([targets[1]], controller.signal));
    await settle();
    controller.abort();
    await assert.rejects(() => pending, ClientAbortError);
  } finally {
    answerHangs.delete("second.test");
  }
  events.flush();
  const ends = seen.filter((event) => event.type === "attempt-end");
  assert.deepEqual(ends.map((event) => [event.outcome, event.afterOutput ?? false]), [
    ["failure", true],
    ["cancelled", false],
    ["cancelled", false],
  ]);
});

Deno.test("events: an observer that throws changes nothing for the call or for the other observers", async () => {
  const seen: ProxyEvent[] = [];
  const { client, events, call } = setup(() => json({ answer: 42 }), [
    () => {
      throw new Error("observer bug");
    },
    (event) => void seen.push(event),
  ]);
  const result = await client.json(call([targets[1]]));
  assert.deepEqual(result.value.json, { answer: 42 });
  result.finish({ ok: true });
  events.flush();
  assert.deepEqual(seen.map((event) => event.type), ["attempt-start", "attempt-end"]);
});
