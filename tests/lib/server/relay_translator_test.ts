/** `relayStream()` with a synchronous `translator`: held-back output, the idle watchdog, the end and errors. */
import assert from "node:assert/strict";
import { relayStream, type StreamEnd } from "../../../lib/server/relay.ts";
import type { StreamTranslator } from "../../../lib/server/stream_translation.ts";
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
  return {
    body,
    send: (text: string) => feed.enqueue(encoder.encode(text)),
    close: () => feed.close(),
    fail: () => feed.error(new Error("reset")),
  };
}

/** Holds every chunk back until a `!`, which releases what was held, upper-cased; the end says `end`. */
function shoutingTranslator(): StreamTranslator & { ended: number } {
  let held = "";
  return {
    ended: 0,
    push(chunk) {
      held += decoder.decode(chunk);
      if (!held.endsWith("!")) return new Uint8Array(0);
      const out = held.toUpperCase();
      held = "";
      return encoder.encode(out);
    },
    end() {
      this.ended++;
      return Promise.resolve(encoder.encode(`${held}|end`));
    },
  };
}

function relay(clock: FakeClock, translator: StreamTranslator) {
  const controller = new AbortController();
  const upstream = fakeUpstream(controller.signal);
  const ends: StreamEnd[] = [];
  const stream = relayStream(upstream.body, {
    idleTimeoutMs: 1_000,
    controller,
    errorEvent: (message) => `error:${message}`,
    onEnd: (end) => ends.push(end),
    translator,
    clock,
  });
  return { upstream, ends, controller, reader: stream.getReader() };
}

Deno.test("relayStream() reads on while the translator holds output back, and sends its end", async () => {
  const clock = new FakeClock();
  const translator = shoutingTranslator();
  const { upstream, ends, controller, reader } = relay(clock, translator);
  const first = reader.read();
  // Two seconds of held-back chunks every 250 ms: nothing for the client, yet the upstream is not silent.
  for (let tick = 0; tick < 8; tick++) {
    await clock.advance(250);
    upstream.send(`${tick},`);
  }
  upstream.send("go!");
  assert.equal(decoder.decode((await first).value), "0,1,2,3,4,5,6,7,GO!");
  assert.equal(controller.signal.aborted, false, "the watchdog took a busy upstream for a silent one");
  upstream.send("tail");
  upstream.close();
  assert.equal(decoder.decode((await reader.read()).value), "tail|end");
  assert.equal((await reader.read()).done, true);
  assert.deepEqual(ends, [{ ok: true }]);
  assert.equal(translator.ended, 1);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("relayStream() ends a translated stream whose upstream falls silent, with an error event", async () => {
  const clock = new FakeClock();
  const { upstream, ends, controller, reader } = relay(clock, shoutingTranslator());
  const first = reader.read();
  upstream.send("a");
  await clock.advance(2_000);
  assert.equal(controller.signal.aborted, true);
  assert.equal(decoder.decode((await first).value), "error:the upstream sent nothing for 1 s");
  assert.equal((await reader.read()).done, true);
  assert.equal(ends.length, 1);
  assert.equal(ends[0].ok, false);
});

Deno.test("relayStream() turns a broken upstream into an error event under a translator", async () => {
  const clock = new FakeClock();
  const { upstream, ends, reader } = relay(clock, shoutingTranslator());
  upstream.send("hi!");
  assert.equal(decoder.decode((await reader.read()).value), "HI!");
  const next = reader.read();
  upstream.fail();
  assert.match(decoder.decode((await next).value), /^error:the upstream connection broke/);
  assert.equal((await reader.read()).done, true);
  assert.equal(ends[0].ok, false);
  assert.equal(clock.pendingTimers, 0);
});
