import assert from "node:assert/strict";
import { EventHub, type ProxyEvent } from "../../../lib/rotator/events.ts";

const STATE: ProxyEvent = {
  type: "credential-state",
  atMs: 1,
  provider: "openai",
  credentialId: "abc",
  credentialLabel: "…abcd",
  scope: null,
  state: "available",
};

Deno.test("EventHub.emit() delivers later, never synchronously, in order", () => {
  const runs: Array<() => void> = [];
  const hub = new EventHub({ schedule: (run) => runs.push(run) });
  const seen: number[] = [];
  hub.subscribe((event) => void seen.push(event.atMs));
  hub.emit(STATE);
  hub.emit({ ...STATE, atMs: 2 });
  assert.deepEqual(seen, []);
  assert.equal(runs.length, 1);
  runs[0]();
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("EventHub: a throwing or rejecting observer does not stop the others", async () => {
  const errors: unknown[] = [];
  const hub = new EventHub({ onObserverError: (error) => errors.push(error), schedule: () => {} });
  const seen: string[] = [];
  hub.subscribe(() => {
    throw new Error("boom");
  });
  hub.subscribe(() => Promise.reject(new Error("later")));
  hub.subscribe((event) => void seen.push(event.type));
  hub.emit(STATE);
  hub.flush();
  await Promise.resolve();
  assert.deepEqual(seen, ["credential-state"]);
  assert.equal(errors.length, 2);
});

Deno.test("EventHub.emit() queues nothing when nobody listens", () => {
  let scheduled = 0;
  const hub = new EventHub({ schedule: () => scheduled++ });
  hub.emit(STATE);
  assert.equal(scheduled, 0);
  const off = hub.subscribe(() => {});
  assert.equal(hub.observed, true);
  off();
  assert.equal(hub.observed, false);
});
