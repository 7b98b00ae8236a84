/**
 * Redaction for everything the proxy writes to disk: credential headers, credential fields of JSON
 * bodies, `key=` query parameters, and every secret the logger knows (configured keys, OAuth tokens,
 * the proxy key), wherever they appear in text.
 */
import { maskSecret } from "./logger.ts";

/** Masks every known secret in a text (the logger's `redact`). */
export type SecretScrubber = (text: string) => string;

/** Headers that carry credentials, in lower case. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "x-goog-api-key",
  "api-key",
  "cookie",
  "set-cookie",
  "x-proxy-api-key",
]);

/** JSON fields that carry credentials, in lower case without `_`/`-`. */
const SECRET_FIELDS = new Set([
  "apikey",
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "clientsecret",
  "password",
  "secret",
  "token",
  "authorization",
  "xapikey",
  "xgoogapikey",
]);

/** Query parameters that carry credentials (Gemini's `?key=`). */
const SECRET_QUERY_PARAMETERS = ["key", "api_key", "access_token", "token"];

const REDACTED = "[redacted]";

/** Whether a JSON field name names a credential. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.toLowerCase().replaceAll(/[_-]/g, ""));
}

/** Headers as a plain object, credential headers masked and every value scrubbed. */
export function redactHeaders(headers: Headers, scrub: SecretScrubber): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of headers) {
    result[name] = SECRET_HEADERS.has(name.toLowerCase()) ? maskHeaderValue(value) : scrub(value);
  }
  return result;
}

/** A credential header value shown safely: its scheme and the secret's tail (`Bearer …a1b2`). */
function maskHeaderValue(value: string): string {
  const space = value.indexOf(" ");
  if (space > 0 && space < 12) return `${value.slice(0, space)} ${maskSecret(value.slice(space + 1).trim())}`;
  return maskSecret(value);
}

/** A JSON value with credential fields replaced and every string scrubbed. */
export function redactJson(value: unknown, scrub: SecretScrubber): unknown {
  if (typeof value === "string") return scrub(value);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, scrub));
  if (typeof value === "object" && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      result[key] = isSecretField(key) && (typeof item === "string" || typeof item === "number")
        ? REDACTED
        : redactJson(item, scrub);
    }
    return result;
  }
  return value;
}

/**
 * A body (JSON or not) as text safe to write: JSON has its credential fields replaced, any other text is
 * scrubbed of known secrets and of `"api_key": "..."`-style pairs.
 */
export function redactBody(text: string, scrub: SecretScrubber): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.stringify(redactJson(JSON.parse(text), scrub));
    } catch {
      // Not JSON after all (or cut short): fall through to text redaction.
    }
  }
  return redactText(text, scrub);
}

const SECRET_PAIR =
  /("(?:api[_-]?key|access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|password)"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi;

/** Text scrubbed of known secrets and of JSON-looking credential pairs (for chunks of a stream). */
export function redactText(text: string, scrub: SecretScrubber): string {
  return scrub(text).replace(SECRET_PAIR, `$1${REDACTED}$3`);
}

/** A URL with credential query parameters masked and known secrets scrubbed. */
export function redactUrl(url: string, scrub: SecretScrubber): string {
  try {
    const parsed = new URL(url);
    for (const name of SECRET_QUERY_PARAMETERS) {
      const value = parsed.searchParams.get(name);
      if (value !== null) parsed.searchParams.set(name, maskSecret(value));
    }
    return scrub(parsed.toString());
  } catch {
    return scrub(url);
  }
}
