import assert from "node:assert/strict";
import {
  connectionVerdict,
  newConnection,
  requestStarted,
  responseEnded,
  sawClientBytes,
  sawServerBytes,
} from "../../../lib/server/connection_state.ts";
import { fittedMaxConnections } from "../../../lib/server/open_files.ts";

const limits = { headersTimeoutMs: 1_000, keepAliveTimeoutMs: 5_000 };

Deno.test("connectionVerdict() gives a new connection headersTimeoutMs for its first request", () => {
  const state = newConnection(0);
  assert.equal(connectionVerdict(state, 999, limits), "keep");
  sawClientBytes(state, 500);
  assert.equal(connectionVerdict(state, 1_000, limits), "headers_timeout");
});

Deno.test("connectionVerdict() never cuts a request in flight, however silent", () => {
  const state = newConnection(0);
  requestStarted(state, 10);
  assert.equal(connectionVerdict(state, 1_000_000, limits), "keep");
  sawClientBytes(state, 20); // a body still uploading is not a new request
  assert.equal(state.pendingSinceMs, null);
});

Deno.test("connectionVerdict() closes a keep-alive connection idle for keepAliveTimeoutMs", () => {
  const state = newConnection(0);
  requestStarted(state, 10);
  sawServerBytes(state, 20);
  responseEnded(state, 100);
  assert.equal(connectionVerdict(state, 5_099, limits), "keep");
  assert.equal(connectionVerdict(state, 5_100, limits), "idle_timeout");
});

Deno.test("connectionVerdict() times the next request's headers from its first byte", () => {
  const state = newConnection(0);
  requestStarted(state, 10);
  responseEnded(state, 100);
  sawClientBytes(state, 4_000);
  assert.equal(connectionVerdict(state, 4_999, limits), "keep");
  assert.equal(connectionVerdict(state, 5_000, limits), "headers_timeout");
  requestStarted(state, 4_500);
  assert.equal(connectionVerdict(state, 9_000, limits), "keep");
});

Deno.test("fittedMaxConnections() keeps the setting when descriptors suffice, else fits the cap to them", () => {
  assert.equal(fittedMaxConnections(1_000, 64, (wanted) => wanted), 1_000);
  // 256 descriptors left while 64 connections are open: (256 + 64 - 64) / 4.
  assert.equal(fittedMaxConnections(1_000, 64, () => 256), 64);
  assert.equal(fittedMaxConnections(1_000, 64, () => 0), 1);
});
