import assert from "node:assert/strict";
import { headBytes, requestHead } from "../../../lib/http/request_head.ts";

Deno.test("requestHead() writes the request line, host, the caller's headers and our framing", () => {
  const head = requestHead({
    method: "POST",
    url: new URL("https://api.example.com:8443/v1/chat?x=1"),
    headers: [["Authorization", "Bearer k"], ["X-Kept", "\tpadded "]],
    bodyLength: 12,
    userAgent: "Deno/test",
  });
  assert.equal(
    head,
    "POST /v1/chat?x=1 HTTP/1.1\r\nhost: api.example.com:8443\r\nauthorization: Bearer k\r\nx-kept: padded\r\n" +
      "user-agent: Deno/test\r\naccept: */*\r\naccept-encoding: identity\r\ncontent-length: 12\r\n\r\n",
  );
});

Deno.test("headBytes() keeps obs-text as one byte per character", () => {
  const head = requestHead({
    method: "GET",
    url: new URL("http://127.0.0.1/"),
    headers: { "x-latin": "caf\u00e9" },
    bodyLength: null,
    userAgent: "u",
  });
  const bytes = headBytes(head);
  assert.equal(bytes.length, head.length);
  assert.ok(bytes.includes(0xe9));
  assert.deepEqual(headBytes("GET / HTTP/1.1\r\n\r\n"), new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
});
