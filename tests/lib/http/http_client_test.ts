/**
 * Conformance of the native upstream HTTP client against real sockets on 127.0.0.1: body framings,
 * keep-alive reuse and server-side closes, aborts, large bodies, refused smuggling, compressed answers.
 */
import assert from "node:assert/strict";
import { HttpClient, HttpProtocolError } from "../../../lib/http/mod.ts";
import { type RawScript, send, startRawServer } from "./raw_server.ts";

const OK_HEAD = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n";

/** Run `body` with a client and a raw server, closing both whatever happens. */
async function withServer(
  script: RawScript,
  body: (client: HttpClient, server: ReturnType<typeof startRawServer>) => Promise<void>,
): Promise<void> {
  const server = startRawServer(script);
  const client = new HttpClient({ fallback: () => Promise.reject(new Error("fallback used")) });
  try {
    await body(client, server);
  } finally {
    client.close();
    await server.close();
  }
}

Deno.test("HttpClient.fetch() reads a content-length body and reuses the connection", async () => {
  await withServer(async (_request, conn) => {
    await send(conn, `${OK_HEAD}content-length: 11\r\n\r\n{"ok":true}`);
    return "keep";
  }, async (client, server) => {
    for (let index = 0; index < 3; index++) {
      const response = await client.fetch(`${server.origin}/v1/x`, { method: "POST", body: "{}" });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.deepEqual(await response.json(), { ok: true });
    }
    assert.equal(server.connections, 1);
    assert.equal(server.requests.length, 3);
    assert.match(server.requests[0].head, /^POST \/v1\/x HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    assert.match(server.requests[0].head, /\r\ncontent-length: 2(\r\n|$)/);
    assert.match(server.requests[0].head, /\r\naccept-encoding: identity(\r\n|$)/);
  });
});

Deno.test("HttpClient.fetch() decodes a chunked body split at every byte, chunk by chunk", async () => {
  const encoded = "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\ntrailer: yes\r\n\r\n";
  await withServer(async (_request, conn) => {
    await send(conn, `${OK_HEAD}transfer-encoding: chunked\r\n\r\n`);
    for (const character of encoded) await send(conn, character);
    return "keep";
  }, async (client, server) => {
    const first = await client.fetch(server.origin);
    assert.equal(await first.text(), "hello, world");
    const second = await client.fetch(server.origin);
    assert.equal(await second.text(), "hello, world");
    assert.equal(server.connections, 1, "a chunked body read to its end leaves the connection reusable");
  });
});

Deno.test("HttpClient.fetch() streams a chunked body as it arrives", async () => {
  const { promise: sentFirst, resolve: firstRead } = Promise.withResolvers<void>();
  await withServer(async (_request, conn) => {
    await send(
      conn,
      `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n`,
    );
    await send(conn, "d\r\ndata: first\n\n\r\n");
    await sentFirst;
    await send(conn, "e\r\ndata: second\n\n\r\n0\r\n\r\n");
    return "keep";
  }, async (client, server) => {
    const response = await client.fetch(server.origin, { method: "POST", body: "{}" });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    assert.equal(decoder.decode((await reader.read()).value), "data: first\n\n");
    firstRead();
    let rest = "";
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      rest += decoder.decode(next.value);
    }
    assert.equal(rest, "data: second\n\n");
  });
});

Deno.test("HttpClient.fetch() reads a body delimited by the close and does not reuse the connection", async () => {
  await withServer(async (_request, conn) => {
    await send(conn, `${OK_HEAD}\r\n{"until":`);
    await send(conn, `"close"}`);
    return "close";
  }, async (client, server) => {
    assert.deepEqual(await (await client.fetch(server.origin)).json(), { until: "close" });
    assert.deepEqual(await (await client.fetch(server.origin)).json(), { until: "close" });
    assert.equal(server.connections, 2);
    assert.equal(client.idleConnections, 0);
  });
});

Deno.test("HttpClient.fetch() honours connection: close and HTTP/1.0", async () => {
  let index = 0;
  await withServer(async (_request, conn) => {
    const version = index++ % 2 === 0 ? "HTTP/1.1 200 OK\r\nconnection: close" : "HTTP/1.0 200 OK";
    await send(conn, `${version}\r\ncontent-length: 2\r\n\r\nok`);
    return "keep";
  }, async (client, server) => {
    for (let request = 0; request < 4; request++) {
      assert.equal(await (await client.fetch(server.origin)).text(), "ok");
    }
    assert.equal(server.connections, 4);
  });
});

Deno.test("HttpClient.fetch() notices a server-side close of an idle connection and connects again", async () => {
  await withServer(async (_request, conn) => {
    // Keep-alive as far as the head says, then the server ends the connection while it is idle.
    await send(conn, `${OK_HEAD}content-length: 2\r\n\r\nok`);
    return "close";
  }, async (client, server) => {
    assert.equal(await (await client.fetch(server.origin)).text(), "ok");
    // The parked connection sees the close as soon as it happens.
    for (let turn = 0; turn < 100 && client.idleConnections > 0; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(client.idleConnections, 0);
    assert.equal(await (await client.fetch(server.origin)).text(), "ok");
    assert.equal(server.connections, 2);
  });
});

Deno.test("HttpClient.fetch() sends again on a new connection when a reused one closes before answering", async () => {
  let answered = 0;
  await withServer(async (request, conn) => {
    if (request.connection === 0 && answered > 0) return "close"; // read the request, close without a byte
    answered++;
    await send(conn, `${OK_HEAD}content-length: 2\r\n\r\nok`);
    return "keep";
  }, async (client, server) => {
    assert.equal(await (await client.fetch(server.origin)).text(), "ok");
    assert.equal(await (await client.fetch(server.origin, { method: "POST", body: "x" })).text(), "ok");
    assert.equal(server.connections, 2);
    assert.equal(server.requests.length, 3);
  });
});

Deno.test("HttpClient.fetch() rejects with the signal's reason when aborted before the answer", async () => {
  const { promise: received, resolve: onReceived } = Promise.withResolvers<void>();
  await withServer(() => {
    onReceived();
    return new Promise<string>(() => {}); // never answers
  }, async (client, server) => {
    const controller = new AbortController();
    const pending = client.fetch(server.origin, { method: "POST", body: "{}", signal: controller.signal });
    await received;
    const reason = new Error("client left");
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    assert.equal(client.idleConnections, 0);
  });
});

Deno.test("HttpClient.fetch() rejects at once when the signal was aborted already", async () => {
  await withServer(() => "close", async (client, server) => {
    const signal = AbortSignal.abort();
    await assert.rejects(client.fetch(server.origin, { signal }), (error) => error === signal.reason);
    assert.equal(server.connections, 0);
  });
});

Deno.test("HttpClient.fetch() errors the body stream when aborted while the body flows", async () => {
  await withServer(async (_request, conn) => {
    await send(conn, `${OK_HEAD}transfer-encoding: chunked\r\n\r\n2\r\nok\r\n`);
    return new Promise<string>(() => {});
  }, async (client, server) => {
    const controller = new AbortController();
    const response = await client.fetch(server.origin, { signal: controller.signal });
    const reader = response.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "ok");
    controller.abort();
    await assert.rejects(reader.read(), (error: Error) => error.name === "AbortError");
  });
});

Deno.test("HttpClient.fetch() carries large bodies both ways", async () => {
  const size = 8 * 1024 * 1024 + 7;
  const payload = new Uint8Array(size);
  for (let index = 0; index < size; index++) payload[index] = index % 251;
  await withServer(async (request, conn) => {
    await send(conn, `HTTP/1.1 200 OK\r\ncontent-length: ${request.body.length}\r\n\r\n`);
    await send(conn, request.body);
    return "keep";
  }, async (client, server) => {
    const response = await client.fetch(server.origin, { method: "POST", body: payload });
    const echoed = await response.bytes();
    assert.equal(echoed.length, size);
    assert.deepEqual(echoed, payload);
    assert.equal(client.idleConnections, 1);
  });
});

Deno.test("HttpClient.fetch() refuses header names and values that could smuggle a header", async () => {
  await withServer(() => "close", async (client, server) => {
    const smuggled: Record<string, string>[] = [
      { "x-test": "a\r\ninjected: yes" },
      { "x-test": "a\nb" },
      { "x-test": "a\0b" },
      { "bad name": "a" },
      { "bad:name": "a" },
      { "x-test": "snowman \u2603" },
    ];
    for (const headers of smuggled) {
      await assert.rejects(client.fetch(server.origin, { headers }), TypeError, JSON.stringify(headers));
    }
    await assert.rejects(client.fetch(server.origin, { method: "GET /x HTTP/1.1\r\n" }), TypeError);
    assert.equal(server.connections, 0, "nothing was sent");
  });
});

Deno.test("HttpClient.fetch() frames the body itself whatever framing headers the caller passed", async () => {
  await withServer(async (_request, conn) => {
    await send(conn, `${OK_HEAD}content-length: 2\r\n\r\nok`);
    return "keep";
  }, async (client, server) => {
    await (await client.fetch(server.origin, {
      method: "POST",
      body: "abc",
      headers: {
        "content-length": "1",
        "transfer-encoding": "chunked",
        "host": "evil.example",
        "connection": "close",
        "x-kept": " kept ",
      },
    })).text();
    const { head, body } = server.requests[0];
    assert.equal(new TextDecoder().decode(body), "abc");
    assert.doesNotMatch(head, /transfer-encoding|evil|connection/i);
    assert.equal(head.match(/content-length/gi)?.length, 1);
    assert.match(head, /\r\nx-kept: kept(\r\n|$)/);
  });
});

Deno.test("HttpClient.fetch() refuses responses whose framing is ambiguous", async () => {
  const heads = [
    "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok",
    "HTTP/1.1 200 OK\r\ncontent-length: -2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nx-folded: a\r\n b\r\ncontent-length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
    "HTTP/9 200 OK\r\n\r\n",
  ];
  let index = 0;
  await withServer(async (_request, conn) => {
    await send(conn, heads[index++]);
    return "close";
  }, async (client, server) => {
    for (const head of heads) {
      await assert.rejects(client.fetch(server.origin), HttpProtocolError, head);
    }
  });
});

Deno.test("HttpClient.fetch() fails a body cut short by the server", async () => {
  await withServer(async (_request, conn) => {
    await send(conn, `${OK_HEAD}content-length: 100\r\n\r\n{"partial":`);
    return "close";
  }, async (client, server) => {
    const response = await client.fetch(server.origin);
    await assert.rejects(response.text(), HttpProtocolError);
  });
});

Deno.test("HttpClient.fetch() skips 100 Continue and reads answers without bodies", async () => {
  let index = 0;
  await withServer(async (_request, conn) => {
    const answers = [
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
      "HTTP/1.1 204 No Content\r\n\r\n",
      "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n",
    ];
    await send(conn, answers[index++]);
    return "keep";
  }, async (client, server) => {
    assert.equal(await (await client.fetch(server.origin)).text(), "ok");
    const empty = await client.fetch(server.origin);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    const head = await client.fetch(server.origin, { method: "HEAD" });
    assert.equal(head.headers.get("content-length"), "5");
    assert.equal(await head.text(), "");
    assert.equal(server.connections, 1);
  });
});

Deno.test("HttpClient.fetch() inflates a gzip answer sent despite identity and drops its headers", async () => {
  const compressed = await new Response(
    ReadableStream.from([new TextEncoder().encode('{"zipped":true}')]).pipeThrough(
      new CompressionStream("gzip"),
    ),
  ).bytes();
  await withServer(async (_request, conn) => {
    await send(conn, `${OK_HEAD}content-encoding: gzip\r\ncontent-length: ${compressed.length}\r\n\r\n`);
    await send(conn, compressed);
    return "keep";
  }, async (client, server) => {
    const response = await client.fetch(server.origin);
    assert.equal(response.headers.get("content-encoding"), null);
    assert.equal(response.headers.get("content-length"), null);
    assert.deepEqual(await response.json(), { zipped: true });
  });
});

Deno.test("HttpClient.fetch() refuses a content coding it cannot decode", async () => {
  await withServer(async (_request, conn) => {
    await send(conn, `${OK_HEAD}content-encoding: br\r\ncontent-length: 2\r\n\r\nxx`);
    return "keep";
  }, async (client, server) => {
    await assert.rejects(client.fetch(server.origin), TypeError);
  });
});

Deno.test("HttpClient.fetch() leaves what it does not handle to the fallback fetch", async () => {
  const seen: unknown[] = [];
  const client = new HttpClient({
    fallback: (input) => {
      seen.push(input);
      return Promise.resolve(new Response("fallback"));
    },
  });
  const request = new Request("http://127.0.0.1:1/");
  assert.equal(await (await client.fetch(request)).text(), "fallback");
  assert.equal(await (await client.fetch("data:text/plain,hi")).text(), "fallback");
  const stream = ReadableStream.from([new Uint8Array([1])]);
  assert.equal(
    await (await client.fetch("http://127.0.0.1:1/", { method: "POST", body: stream })).text(),
    "fallback",
  );
  assert.equal(seen.length, 3);
  client.close();
});

Deno.test("HttpClient.fetch() rejects when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  const client = new HttpClient();
  await assert.rejects(client.fetch(`http://127.0.0.1:${port}/`));
  client.close();
});
