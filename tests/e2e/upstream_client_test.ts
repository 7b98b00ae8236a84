/**
 * End to end: the proxy process sends upstream calls through the client `UPSTREAM_HTTP_CLIENT` names.
 * A raw upstream counts its connections: the native client keeps one alive across requests and relays
 * chunked streams; `fetch` serves the same answers.
 */
import assert from "node:assert/strict";
import { chatCompletion, chatCompletionChunks } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";
import { send, startRawServer } from "../lib/http/raw_server.ts";

/** A raw OpenAI upstream: JSON with a content length, streams chunked one event per chunk. */
function rawOpenAI() {
  return startRawServer(async (request, conn) => {
    if (!request.head.startsWith("POST /v1/chat/completions ")) {
      await send(conn, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
      return "keep";
    }
    const body = JSON.parse(new TextDecoder().decode(request.body));
    if (body.stream !== true) {
      const json = JSON.stringify(chatCompletion(body.model, "Hello over keep-alive"));
      await send(
        conn,
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`,
      );
      return "keep";
    }
    await send(
      conn,
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    for (const event of chatCompletionChunks(body.model, ["Hello", " over", " chunks"])) {
      const bytes = new TextEncoder().encode(event);
      await send(conn, `${bytes.length.toString(16)}\r\n${event}\r\n`);
    }
    await send(conn, "0\r\n\r\n");
    return "keep";
  });
}

async function chat(url: string, stream: boolean): Promise<string> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "raw/gpt-test", messages: [{ role: "user", content: "hi" }], stream }),
  });
  assert.equal(response.status, 200);
  return await response.text();
}

for (const client of ["native", "fetch"]) {
  Deno.test(`proxy relays JSON and streams through UPSTREAM_HTTP_CLIENT=${client}`, async () => {
    const upstream = rawOpenAI();
    const proxy = await startProxy({
      env: {
        RAW_API_BASE: `${upstream.origin}/v1`,
        RAW_API_KEY: "sk-raw-0123456789abcdef0123",
        UPSTREAM_HTTP_CLIENT: client,
      },
    });
    try {
      for (let index = 0; index < 3; index++) {
        assert.match(await chat(proxy.url, false), /Hello over keep-alive/);
        const stream = await chat(proxy.url, true);
        assert.match(stream, /" over"/);
        assert.match(stream, /data: \[DONE\]\n\n$/);
      }
      assert.equal(upstream.requests.length, 6);
      assert.match(upstream.requests[0].head, /\r\nauthorization: Bearer sk-raw-0123456789abcdef0123\r\n/i);
      // The native client asks for identity encoding; `fetch` asks for compression.
      if (client === "native") {
        assert.equal(upstream.connections, 1, "one keep-alive connection carried every call");
        assert.match(upstream.requests[0].head, /\r\naccept-encoding: identity\r\n/);
      }
    } finally {
      await proxy.stop();
      await upstream.close();
      await Deno.remove(proxy.dataDir, { recursive: true }).catch(() => {});
    }
  });
}
