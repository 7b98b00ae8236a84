import assert from "node:assert/strict";
import { ChunkedDecoder } from "../../../lib/http/chunked_decoder.ts";
import { HttpProtocolError, parseResponseHead } from "../../../lib/http/response_head.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function decodeAll(text: string): { body: string; used: number; done: boolean } {
  const chunked = new ChunkedDecoder();
  const { data, used } = chunked.push(encoder.encode(text));
  return { body: data.map((piece) => decoder.decode(piece)).join(""), used, done: chunked.done };
}

Deno.test("ChunkedDecoder.push() decodes chunks with extensions and trailers, and stops at the end", () => {
  const coded = "3;name=value\r\nabc\r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n";
  assert.deepEqual(decodeAll(`${coded}NEXT`), { body: "abc0123456789", used: coded.length, done: true });
  assert.deepEqual(decodeAll("3\r\nab"), { body: "ab", used: 5, done: false });
});

Deno.test("ChunkedDecoder.push() refuses sizes and lines that do not frame", () => {
  for (
    const bad of [
      "zz\r\n",
      "1234567890abc\r\n",
      "3\r\nabcd\r\n",
      "3\nabc\r\n",
      "-1\r\n",
      `${"1".repeat(5000)}`,
    ]
  ) {
    assert.throws(() => decodeAll(bad), HttpProtocolError, JSON.stringify(bad.slice(0, 20)));
  }
});

Deno.test("parseResponseHead() frames bodies by RFC 9112 §6.3", () => {
  const framing = (head: string, method = "GET") => parseResponseHead(head, method).framing;
  assert.deepEqual(framing("HTTP/1.1 200 OK\r\nContent-Length: 5"), { kind: "length", length: 5 });
  assert.deepEqual(framing("HTTP/1.1 200 OK\r\ncontent-length: 5, 5"), { kind: "length", length: 5 });
  assert.deepEqual(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"), { kind: "chunked" });
  assert.deepEqual(framing("HTTP/1.1 200 OK"), { kind: "close" });
  assert.deepEqual(framing("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip"), { kind: "close" });
  assert.deepEqual(framing("HTTP/1.1 200 OK\r\ncontent-length: 5", "HEAD"), { kind: "none" });
  assert.deepEqual(framing("HTTP/1.1 304 Not Modified\r\ncontent-length: 5"), { kind: "none" });
  assert.equal(parseResponseHead("HTTP/1.1 200 OK", "GET").keepAlive, false, "a body read to the close");
  assert.equal(
    parseResponseHead("HTTP/1.1 200 OK\r\nconnection: keep-alive, close\r\ncontent-length: 0", "GET")
      .keepAlive,
    false,
  );
  assert.equal(parseResponseHead("HTTP/1.1 200 OK\r\ncontent-length: 0", "GET").keepAlive, true);
});

Deno.test("parseResponseHead() refuses what could desynchronize the connection", () => {
  for (
    const head of [
      "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 3",
      "HTTP/1.1 200 OK\r\ncontent-length: 3, 4",
      "HTTP/1.1 200 OK\r\ncontent-length: 0x10",
      "HTTP/1.1 200 OK\r\ncontent-length : 3",
      "HTTP/1.1 200 OK\r\nx: a\r\n\tfolded",
      "HTTP/1.1 200 OK\r\nx: a\nb",
      "HTTP/1.1 2000 OK",
      "ICY 200 OK",
    ]
  ) {
    assert.throws(() => parseResponseHead(head, "GET"), HttpProtocolError, JSON.stringify(head));
  }
});
