/**
 * The head of an HTTP/1.1 response (RFC 9112 §4–6): status line and header fields, and from them how
 * the body is framed. Anything ambiguous about the framing is refused rather than guessed, because a
 * guess that differs from the server's is how a response is smuggled into the next one.
 */

/** How the body of a response is delimited (RFC 9112 §6.3). */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Read until the server closes the connection. */
  | { kind: "close" };

/** A parsed response head. */
export interface ResponseHead {
  status: number;
  statusText: string;
  /** Header fields in order, names lower-cased. */
  headers: [string, string][];
  framing: BodyFraming;
  /** The connection may carry another request once this body is read. */
  keepAlive: boolean;
}

/** Thrown when a response breaks the protocol; the connection is dropped. */
export class HttpProtocolError extends Error {
  override readonly name = "HttpProtocolError";
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const CONTENT_LENGTH = /^\d{1,15}$/;

/**
 * Parse a head (its bytes up to, not including, the blank line), as an answer to `method`. Throws
 * {@link HttpProtocolError} on a malformed line or an ambiguous body length.
 */
export function parseResponseHead(text: string, method: string): ResponseHead {
  const lines = text.split("\r\n");
  const statusLine = STATUS_LINE.exec(lines[0]);
  if (statusLine === null) throw new HttpProtocolError(`malformed status line: ${lines[0].slice(0, 100)}`);
  const minorVersion = statusLine[1];
  const status = Number(statusLine[2]);
  const headers: [string, string][] = [];
  let contentLength: string | null = null;
  let transferEncoding: string | null = null;
  let connection = "";
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index];
    const colon = line.indexOf(":");
    // obs-fold (a line starting with whitespace) is refused: RFC 9112 §5.2 lets a client do so.
    if (colon <= 0) throw new HttpProtocolError(`malformed header line: ${line.slice(0, 100)}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[\t ]+|[\t ]+$/g, "");
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) {
      throw new HttpProtocolError(`malformed header line: ${line.slice(0, 100)}`);
    }
    if (name === "content-length") {
      // Repeated identical values (also as a list) are allowed (RFC 9110 §8.6); different ones are not.
      for (const item of value.split(",")) {
        const length = item.trim();
        if (!CONTENT_LENGTH.test(length) || (contentLength !== null && contentLength !== length)) {
          throw new HttpProtocolError(`invalid content-length: ${value.slice(0, 50)}`);
        }
        contentLength = length;
      }
    } else if (name === "transfer-encoding") {
      transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
    } else if (name === "connection") {
      connection += `,${value.toLowerCase()}`;
    }
    headers.push([name, value]);
  }
  const closes = connection.split(",").some((option) => option.trim() === "close");
  // HTTP/1.0 closes unless asked otherwise; we never ask, so we never reuse a 1.0 connection.
  const keepAlive = minorVersion === "1" && !closes;
  const head = { status, statusText: statusLine[3] ?? "", headers };
  if (method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { ...head, framing: { kind: "none" }, keepAlive };
  }
  if (transferEncoding !== null) {
    // Both at once is a classic smuggling vector (RFC 9112 §6.1): refuse rather than pick one.
    if (contentLength !== null) throw new HttpProtocolError("both transfer-encoding and content-length");
    const codings = transferEncoding.toLowerCase().split(",").map((coding) => coding.trim());
    if (codings.at(-1) !== "chunked") return { ...head, framing: { kind: "close" }, keepAlive: false };
    if (codings.length > 1) throw new HttpProtocolError(`unsupported transfer-encoding: ${transferEncoding}`);
    return { ...head, framing: { kind: "chunked" }, keepAlive };
  }
  if (contentLength !== null) {
    const length = Number(contentLength);
    return { ...head, framing: length === 0 ? { kind: "none" } : { kind: "length", length }, keepAlive };
  }
  return { ...head, framing: { kind: "close" }, keepAlive: false };
}
