import assert from "node:assert/strict";
import { Hono } from "hono";
import { RequestLogStore } from "../../../../lib/log/request_log.ts";
import { currentRequest } from "../../../../lib/log/request_context.ts";
import type { AppEnv } from "../../../../lib/server/context.ts";
import { requestLogging } from "../../../../lib/server/middleware/request_logging.ts";

function app(store: RequestLogStore | null, seen: Array<string | undefined>) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("requestId", "req-9");
    c.set("access", {});
    await next();
  });
  app.use(requestLogging({ requestLogs: store }));
  app.post("/v1/chat/completions", async (c) => {
    seen.push(currentRequest()?.requestId);
    const body = await c.req.json();
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 100) controller.enqueue(new TextEncoder().encode(`data: {"n":${sent}}\n\n`));
        else controller.close();
      },
    });
    return body.stream
      ? new Response(stream, { headers: { "content-type": "text/event-stream" } })
      : c.json({ ok: true });
  });
  return app;
}

const post = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

Deno.test("requestLogging() runs the handler in the request's context and, when off, logs nothing", async () => {
  const seen: Array<string | undefined> = [];
  const response = await app(null, seen).request("/v1/chat/completions", post({ model: "a/b" }));
  assert.deepEqual(await response.json(), { ok: true });
  assert.deepEqual(seen, ["req-9"]);
});

Deno.test("requestLogging() logs the body the handler still reads, the answer as sent, and a client that left", async () => {
  const dir = await Deno.makeTempDir({ prefix: "request-logging-test-" });
  try {
    const store = new RequestLogStore({
      directory: dir,
      maxFileBytes: 1_000_000,
      maxTotalBytes: 10_000_000,
      scrub: (text) => text,
    });
    const seen: Array<string | undefined> = [];
    const handler = app(store, seen);
    const json = await handler.request("/v1/chat/completions", post({ model: "a/b" }));
    assert.deepEqual(await json.json(), { ok: true });
    const streamed = await handler.request("/v1/chat/completions", post({ model: "a/b", stream: true }));
    const reader = streamed.body!.getReader();
    await reader.read();
    await reader.cancel();
    await store.flush();
    const folders = [...Deno.readDirSync(dir)].map((entry) => `${dir}/${entry.name}`).sort();
    assert.equal(folders.length, 2);
    const metadata = folders.map((folder) => JSON.parse(Deno.readTextFileSync(`${folder}/metadata.json`)));
    assert.deepEqual(metadata.map((entry) => [entry.status, entry.aborted]), [[200, false], [200, true]]);
    const request = JSON.parse(Deno.readTextFileSync(`${folders[0]}/request.json`));
    assert.deepEqual(request.body, { model: "a/b" });
    assert.equal(Deno.readTextFileSync(`${folders[0]}/response_body.txt`), '{"ok":true}');
    assert.match(Deno.readTextFileSync(`${folders[1]}/response_body.txt`), /^data: \{"n":1\}/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
