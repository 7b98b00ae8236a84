/** Reading a client's JSON body within the size and nesting limits, with clear 400/413 errors. */
import { RequestError } from "../errors.ts";

/**
 * Deepest nesting of objects and arrays accepted in a body. Real requests nest a few dozen levels at most
 * (messages, content blocks, tool schemas); translating a 100,000-deep tool schema overflowed the stack.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Longest a request body may take to arrive once its headers have: a client that trickles its body (a
 * slowloris past the header timeout) would otherwise hold its connection and handler forever.
 */
export const BODY_TIMEOUT_MS = 120_000;

/** Options of {@link readJsonBody}. */
export interface ReadJsonBodyOptions {
  /** @default BODY_TIMEOUT_MS */
  timeoutMs?: number;
}

/** Read and parse a JSON object body of at most `limitBytes`, arriving within `timeoutMs`. */
export async function readJsonBody(
  request: Request,
  limitBytes: number,
  options: ReadJsonBodyOptions = {},
): Promise<Record<string, unknown>> {
  const { timeoutMs = BODY_TIMEOUT_MS } = options;
  const text = await withinTime(readTextBody(request, limitBytes), timeoutMs, () => {
    request.body?.cancel().catch(() => {});
    return new RequestError(408, `the request body did not arrive within ${timeoutMs / 1000} s`, {
      kind: "timeout",
      code: "request_timeout",
    });
  });
  if (text.trim() === "") throw new RequestError(400, "the request body is empty; send a JSON object");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `the request body is not valid JSON: ${(error as Error).message}`, {
      code: "invalid_json",
    });
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new RequestError(400, "the request body must be a JSON object", { code: "invalid_json" });
  }
  if (jsonDepthExceeds(json, MAX_JSON_DEPTH)) {
    throw new RequestError(400, `the request body nests deeper than ${MAX_JSON_DEPTH} levels`, {
      code: "invalid_json",
    });
  }
  return json as Record<string, unknown>;
}

/** Whether `value` nests objects and arrays deeper than `limit` (walked without recursion). */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: node, depth } = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > limit) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

async function withinTime<T>(work: Promise<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function readTextBody(request: Request, limitBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limitBytes) throw tooLarge(limitBytes);
  if (declared !== null || request.body === null) return await request.text();
  // No declared length (chunked upload): count while reading and stop at the limit.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limitBytes);
    }
    chunks.push(value);
  }
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(joined);
}

function tooLarge(limitBytes: number): RequestError {
  const megabytes = Math.round((limitBytes / (1024 * 1024)) * 100) / 100;
  return new RequestError(413, `the request body is larger than ${megabytes} MB (MAX_REQUEST_BODY_MB)`, {
    code: "request_too_large",
  });
}
