import assert from "node:assert/strict";
import { relayStream } from "../../../lib/server/relay.ts";
import { endOf } from "../../../lib/server/stream_end.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

const encoder = new TextEncoder();

function relayOf(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return relayStream(body, {
    idleTimeoutMs: 1_000,
    controller: new AbortController(),
    errorEvent: (message) => `error:${message}`,
    onEnd: () => {},
    clock: new FakeClock(),
  });
}

/** Whether `promise` has settled by the time pending microtasks ran. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

Deno.test("relayStream() reports its end to the listener (endOf) once the upstream's stream closes", async () => {
  let feed!: ReadableStreamDefaultController<Uint8Array>;
  const relayed = relayOf(new ReadableStream({ start: (controller) => void (feed = controller) }));
  const ended = endOf(relayed);
  assert.ok(ended !== undefined, "the relayed stream reports its end");
  const reader = relayed.getReader();
  feed.enqueue(encoder.encode("data: 1\n\n"));
  assert.equal((await reader.read()).done, false);
  assert.equal(await settled(ended), false, "not ended while the stream runs");
  feed.close();
  assert.equal((await reader.read()).done, true);
  assert.equal(await settled(ended), true);
});

Deno.test("relayStream() reports its end when the client cancels it", async () => {
  const relayed = relayOf(new ReadableStream());
  await relayed.cancel();
  assert.equal(await settled(endOf(relayed)!), true);
});

Deno.test("endOf() knows nothing of streams whose producer did not report their end", () => {
  assert.equal(endOf(new ReadableStream()), undefined);
});
