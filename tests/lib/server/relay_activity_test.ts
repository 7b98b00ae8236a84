import assert from "node:assert/strict";
import { relayStream, type StreamEnd } from "../../../lib/server/relay.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An upstream body the test feeds by hand; like fetch's, it breaks when its request is aborted. */
function fakeUpstream(signal: AbortSignal) {
  let feed!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      feed = controller;
    },
  });
  signal.addEventListener("abort", () => feed.error(new Error("aborted")), { once: true });
  return { body, send: (text: string) => feed.enqueue(encoder.encode(text)), close: () => feed.close() };
}

/** A translation that holds everything back until the end, as the Anthropic encoder holds a tool call. */
function holdUntilEnd(bytes: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const held: Uint8Array[] = [];
  return bytes.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk) => void held.push(chunk),
      flush(controller) {
        controller.enqueue(encoder.encode(`held:${held.map((chunk) => decoder.decode(chunk)).join("")}`));
      },
    }),
  );
}

function relay(options: { translate?: typeof holdUntilEnd; clock: FakeClock }) {
  const controller = new AbortController();
  const upstream = fakeUpstream(controller.signal);
  const ends: StreamEnd[] = [];
  const stream = relayStream(upstream.body, {
    idleTimeoutMs: 1_000,
    controller,
    errorEvent: (message) => `error:${message}`,
    onEnd: (end) => ends.push(end),
    ...options,
  });
  return { upstream, ends, controller, reader: stream.getReader() };
}

Deno.test("relayStream() is kept alive by the upstream's bytes while the translation holds its output back", async () => {
  const clock = new FakeClock();
  const { upstream, ends, controller, reader } = relay({ translate: holdUntilEnd, clock });
  const first = reader.read();
  // Three seconds of tool-call arguments every 250 ms: the client gets nothing, the upstream is not silent.
  for (let tick = 0; tick < 12; tick++) {
    await clock.advance(250);
    upstream.send(`${tick},`);
  }
  await clock.advance(900);
  assert.equal(controller.signal.aborted, false, "the watchdog took a busy upstream for a silent one");
  assert.deepEqual(ends, []);
  upstream.close();
  const { value } = await first;
  assert.equal(decoder.decode(value), "held:0,1,2,3,4,5,6,7,8,9,10,11,");
  assert.equal((await reader.read()).done, true);
  assert.deepEqual(ends, [{ ok: true }]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("relayStream() still ends a translated stream whose upstream falls silent", async () => {
  const clock = new FakeClock();
  const { upstream, ends, controller, reader } = relay({ translate: holdUntilEnd, clock });
  const first = reader.read();
  upstream.send("a");
  await clock.advance(999);
  assert.equal(controller.signal.aborted, false);
  await clock.advance(1_001);
  assert.equal(controller.signal.aborted, true);
  assert.equal(decoder.decode((await first).value), "error:the upstream sent nothing for 1 s");
  assert.equal((await reader.read()).done, true);
  assert.equal(ends.length, 1);
  assert.equal(ends[0].ok, false);
  assert.match(String((ends[0] as { error: Error }).error.message), /sent nothing for 1 s/);
});

Deno.test("relayStream() passes an untranslated stream through, kept alive by its chunks", async () => {
  const clock = new FakeClock();
  const { upstream, ends, controller, reader } = relay({ clock });
  const received: string[] = [];
  for (let tick = 0; tick < 8; tick++) {
    const next = reader.read();
    await clock.advance(600);
    upstream.send(`${tick}`);
    received.push(decoder.decode((await next).value));
  }
  assert.equal(controller.signal.aborted, false);
  assert.deepEqual(received, ["0", "1", "2", "3", "4", "5", "6", "7"]);
  const last = reader.read();
  await clock.advance(1_000);
  assert.equal(decoder.decode((await last).value), "error:the upstream sent nothing for 1 s");
  assert.equal(ends[0].ok, false);
});

Deno.test("relayStream() ends a stream its `ending` judges cut with the error event, and fails it", async () => {
  const controller = new AbortController();
  const upstream = fakeUpstream(controller.signal);
  const ends: StreamEnd[] = [];
  const stream = relayStream(upstream.body, {
    idleTimeoutMs: 1_000,
    controller,
    errorEvent: (message) => `error:${message}`,
    onEnd: (end) => ends.push(end),
    ending: (tail) => tail().includes("[DONE]") ? "finished" : "cut",
    clock: new FakeClock(),
  });
  upstream.send("data: 1\n\n");
  upstream.close();
  const text = await new Response(stream).text();
  assert.equal(text, "data: 1\n\nerror:the upstream stream ended before its final event");
  assert.equal(ends.length, 1);
  assert.equal(ends[0].ok, false);
});
