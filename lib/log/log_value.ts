/**
 * Client-supplied text made safe for one log line: control characters (CR, LF, ESC, …) are written as
 * escapes, so a model id or header cannot forge another line or repaint a terminal, and long values are
 * cut so one request cannot flood the log.
 */

/** Longest client value written to a log line. @default 200 */
const DEFAULT_MAX_LENGTH = 200;

// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g;

/** Options of {@link logValue}. */
export interface LogValueOptions {
  /** Characters kept before the value is cut with `…`. @default 200 */
  maxLength?: number;
}

/** `text` with control characters and backslashes escaped (`\n`, `\x1b`, `\u2028`), cut to `maxLength`. */
export function logValue(text: string, options: LogValueOptions = {}): string {
  const { maxLength = DEFAULT_MAX_LENGTH } = options;
  const cut = text.length > maxLength ? `${text.slice(0, maxLength)}…(${text.length} chars)` : text;
  return cut.replace(UNSAFE, escapeCharacter);
}

function escapeCharacter(character: string): string {
  switch (character) {
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
}
