/**
 * Masking secrets in the error events of a relayed stream. Upstreams echo keys in their errors
 * ("Incorrect API key provided: sk-…"), mid-stream as well as in error bodies; every format's error event
 * (OpenAI's `{"error": …}`, Anthropic's and Responses' `"type":"error"`, `response.failed`'s `"error"`,
 * Gemini's `{"error": …}`) holds the JSON string `"error"`, which an answer's own text cannot hold unescaped.
 * So only chunks with that string are decoded and masked: the rest pass as they are, found by one
 * Boyer-Moore-Horspool scan (~0.3 µs for a 200-byte chunk).
 */

/** The bytes of `"error"`, quotes included. */
const NEEDLE = new TextEncoder().encode('"error"');
/** How far the scan may jump when the byte under the needle's end is not in the needle (Horspool's table). */
const SKIP = new Uint8Array(256).fill(NEEDLE.length);
for (let index = 0; index < NEEDLE.length - 1; index++) SKIP[NEEDLE[index]] = NEEDLE.length - 1 - index;

/** Whether `bytes` hold the JSON string `"error"` (a key or a value). */
export function holdsErrorString(bytes: Uint8Array): boolean {
  const last = NEEDLE.length - 1;
  for (let at = 0; at + last < bytes.length; at += SKIP[bytes[at + last]]) {
    if (bytes[at + last] !== NEEDLE[last]) continue;
    let index = last - 1;
    while (index >= 0 && bytes[at + index] === NEEDLE[index]) index--;
    if (index < 0) return true;
  }
  return false;
}

/**
 * A chunk scrubber for `relayStream`: chunks that may hold an error event get every known secret masked
 * by `redact` (`logger.redact`); others are returned as they are, without a copy.
 */
export function errorEventScrubber(redact: (text: string) => string): (chunk: Uint8Array) => Uint8Array {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  return (chunk) => {
    if (!holdsErrorString(chunk)) return chunk;
    const text = decoder.decode(chunk);
    const masked = redact(text);
    return masked === text ? chunk : encoder.encode(masked);
  };
}
