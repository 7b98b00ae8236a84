/**
 * The head of an HTTP/1.1 request (RFC 9112 §3): request line, `host`, the caller's headers and the
 * framing headers we set ourselves. Every name and value is checked before a byte is written, so that
 * nothing a caller passes on (a client's header, a credential) can end the line early and smuggle a
 * header or a second request.
 */

/** `token` of RFC 9110 §5.6.2: the characters a header name or a method may use. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** `field-value` of RFC 9110 §5.5: visible ASCII, obs-text, space and tab; never CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const encoder = new TextEncoder();
/** A request-target in origin form: the URL parser percent-encodes, this only guards the line. */
const REQUEST_TARGET = /^\/[\x21-\x7e]*$/;

/**
 * Headers that say how this connection and this body are framed: only the client sets them, whatever
 * the caller passed (a stray `transfer-encoding` or second `content-length` is how requests are smuggled).
 */
const FRAMING_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "accept-encoding",
]);

/** What a request head is made of. */
export interface RequestHeadInput {
  method: string;
  url: URL;
  /** The caller's headers (a `Headers`, pairs or a record, as `fetch` takes them). */
  headers?: HeadersInit;
  /** Length of the body in bytes, or null for no body. */
  bodyLength: number | null;
  /** Sent when the caller did not set it, as Deno's `fetch` does. */
  userAgent: string;
}

/** The request head as text, ending with the blank line; throws `TypeError` on an unsafe name or value. */
export function requestHead(input: RequestHeadInput): string {
  const { method, url, headers, bodyLength, userAgent } = input;
  if (!TOKEN.test(method)) throw new TypeError(`invalid HTTP method: ${JSON.stringify(method)}`);
  const target = `${url.pathname}${url.search}`;
  if (!REQUEST_TARGET.test(target)) throw new TypeError("invalid request target");
  let head = `${method} ${target} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  let hasUserAgent = false;
  let hasAccept = false;
  for (const [rawName, rawValue] of headerPairs(headers)) {
    const name = rawName.toLowerCase();
    // Leading and trailing whitespace is not part of a value (RFC 9110 §5.5), as `Headers` trims it.
    const value = rawValue.replace(/^[\t ]+|[\t ]+$/g, "");
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name: ${JSON.stringify(rawName)}`);
    if (!FIELD_VALUE.test(value)) throw new TypeError(`invalid value of header ${name}`);
    if (FRAMING_HEADERS.has(name)) continue;
    if (name === "user-agent") hasUserAgent = true;
    if (name === "accept") hasAccept = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasUserAgent) head += `user-agent: ${userAgent}\r\n`;
  if (!hasAccept) head += "accept: */*\r\n";
  // Bodies are relayed as they are: a compressed answer would have to be inflated here first.
  head += "accept-encoding: identity\r\n";
  if (bodyLength !== null) head += `content-length: ${bodyLength}\r\n`;
  return head + "\r\n";
}

/** The text of a head as bytes, one byte per character (obs-text stays one byte, as on the wire). */
export function headBytes(head: string): Uint8Array<ArrayBuffer> {
  const utf8 = encoder.encode(head);
  // As long as the text: all ASCII, where UTF-8 is one byte per character (the common case).
  if (utf8.length === head.length) return utf8;
  const bytes = new Uint8Array(head.length);
  for (let index = 0; index < head.length; index++) bytes[index] = head.charCodeAt(index);
  return bytes;
}

function headerPairs(headers: HeadersInit | undefined): Iterable<[string, string]> {
  if (headers === undefined) return [];
  if (headers instanceof Headers) return headers;
  if (Array.isArray(headers)) {
    return headers.map((pair) => {
      if (pair.length !== 2) throw new TypeError("a header pair must have a name and a value");
      return [String(pair[0]), String(pair[1])];
    });
  }
  return Object.entries(headers).map(([name, value]) => [name, String(value)]);
}
