import assert from "node:assert/strict";
import { RequestError } from "../../../lib/errors.ts";
import { jsonDepthExceeds, MAX_JSON_DEPTH, readJsonBody } from "../../../lib/server/request_body.ts";

function post(body: BodyInit): Request {
  return new Request("http://proxy/v1/chat/completions", { method: "POST", body });
}

Deno.test("readJsonBody() refuses a body nested deeper than MAX_JSON_DEPTH with a 400", async () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  await assert.rejects(readJsonBody(post(`{"a":${deep}}`), 1 << 24), (error: unknown) => {
    assert.ok(error instanceof RequestError);
    assert.equal(error.status, 400);
    assert.match(error.message, /nests deeper than 128 levels/);
    return true;
  });
  const fine = "[".repeat(MAX_JSON_DEPTH - 1) + "]".repeat(MAX_JSON_DEPTH - 1);
  assert.deepEqual(Object.keys(await readJsonBody(post(`{"a":${fine}}`), 1 << 24)), ["a"]);
  assert.equal(jsonDepthExceeds({ a: [{ b: 1 }] }, 3), false);
  assert.equal(jsonDepthExceeds({ a: [{ b: {} }] }, 3), true);
});

Deno.test("readJsonBody() gives up on a body that trickles in too slowly with a 408", async () => {
  let pulls = 0;
  const trickle = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (pulls++ < 1_000) controller.enqueue(new TextEncoder().encode(" "));
    },
  });
  const started = performance.now();
  await assert.rejects(readJsonBody(post(trickle), 1 << 20, { timeoutMs: 100 }), (error: unknown) => {
    assert.ok(error instanceof RequestError);
    assert.equal(error.status, 408);
    assert.equal(error.kind, "timeout");
    return true;
  });
  assert.ok(performance.now() - started < 5_000);
});
