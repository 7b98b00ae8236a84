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

/** Whether `bytes` end with the start of `"error"` (the string may go on in the next chunk). */
function endsWithNeedleStart(bytes: Uint8Array): boolean {
  for (let length = Math.min(NEEDLE.length - 1, bytes.length); length > 0; length--) {
    let index = 0;
    while (index < length && bytes[bytes.length - length + index] === NEEDLE[index]) index++;
    if (index === length) return true;
  }
  return false;
}

/**
 * A chunk scrubber for `relayStream`: chunks that may hold an error event get every known secret masked
 * by `redact` (`logger.redact`); others are returned as they are, without a copy. Once an error string
 * was seen (or a chunk ended with its start) every later chunk is masked too: an error event split across
 * chunks is masked in each, and error events end streams, so that costs little. A secret cut in two by a
 * chunk boundary is beyond it (upstreams send an error event in one write).
 */
export function errorEventScrubber(redact: (text: string) => string): (chunk: Uint8Array) => Uint8Array {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let erring = false;
  let armed = false;
  return (chunk) => {
    if (!erring && holdsErrorString(chunk)) erring = true;
    if (!erring && !armed) {
      armed = endsWithNeedleStart(chunk);
      return chunk;
    }
    armed = false;
    // A chunk may end inside a character: masking may replace its broken bytes, never a secret's.
    const text = decoder.decode(chunk);
    const masked = redact(text);
    return masked === text ? chunk : encoder.encode(masked);
  };
}
