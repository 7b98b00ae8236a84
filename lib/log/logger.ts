/**
 * The one leveled logger of the proxy. Nothing else writes to the console. Free-text messages are
 * scrubbed of registered secrets before they are written, so an upstream error that echoes a key
 * cannot leak it.
 */
import type { LogLevel } from "../config/schema.ts";
import { currentRequest } from "./request_context.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go; injected in tests. */
export type LogSink = (level: LogLevel, line: string) => void;

/** A leveled logger with secret scrubbing. */
export interface Logger {
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Register secrets that must never appear in a log line (nor in an error body, see {@link redact}). */
  addSecrets(secrets: Iterable<string>): void;
  /** `text` with every registered secret masked: for anything else that leaves the process (error bodies). */
  redact(text: string): string;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `text` lines for people, or one JSON object a line for log shippers. @default "text" */
  format?: "text" | "json";
  /** The request a line is written for. @default the current request context's id */
  requestId?: () => string | undefined;
}

/** Longest time an info or debug line waits in {@link consoleSink}'s buffer. */
export const CONSOLE_FLUSH_MS = 20;
/** Lines past which the buffer is written at once. */
const CONSOLE_BUFFER_LINES = 128;
const consoleEncoder = new TextEncoder();
let bufferedLines: string[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Writes info and debug to stdout, warnings and errors to stderr. Info and debug lines are gathered
 * for up to {@link CONSOLE_FLUSH_MS} and written together: a write per access-log line cost a tenth of
 * the proxy's busy time under load (issue 8). A warning or error first writes what waits, so the order
 * holds; {@link flushConsole} writes it before the process or Worker ends.
 */
export const consoleSink: LogSink = (level, line) => {
  if (RANK[level] >= RANK.warn) {
    flushConsole();
    // deno-lint-ignore no-console
    console.error(line);
    return;
  }
  bufferedLines.push(line);
  if (bufferedLines.length >= CONSOLE_BUFFER_LINES) flushConsole();
  else if (flushTimer === null) {
    flushTimer = setTimeout(flushConsole, CONSOLE_FLUSH_MS);
    Deno.unrefTimer(flushTimer);
  }
};

/** Write the info and debug lines {@link consoleSink} holds. */
export function flushConsole(): void {
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushTimer = null;
  if (bufferedLines.length === 0) return;
  const bytes = consoleEncoder.encode(`${bufferedLines.join("\n")}\n`);
  bufferedLines = [];
  try {
    for (let written = 0; written < bytes.length;) written += Deno.stdout.writeSync(bytes.subarray(written));
  } catch {
    // stdout is gone (a closed pipe): as `console.log`, nothing to do.
  }
}
globalThis.addEventListener?.("unload", flushConsole);

/** Create a logger writing lines at or above `level` to `sink`; each line names its request, if any. */
export function createLogger(
  level: LogLevel,
  sink: LogSink = consoleSink,
  options: LoggerOptions = {},
): Logger {
  const { format = "text", requestId = () => currentRequest()?.requestId } = options;
  const secrets = new Set<string>();
  const threshold = RANK[level];
  const write = (lineLevel: LogLevel, message: string) => {
    if (RANK[lineLevel] < threshold) return;
    const time = new Date().toISOString();
    // The id may be the client's `x-request-id`: only printable characters reach the line.
    const id = requestId()?.replaceAll(/[^\x21-\x7e]/g, "?");
    const text = scrub(message, secrets);
    sink(
      lineLevel,
      format === "json"
        ? JSON.stringify({ time, level: lineLevel, message: text, ...(id ? { request_id: id } : {}) })
        : `${time} ${lineLevel.toUpperCase().padEnd(5)} ${text}${id ? ` id=${id}` : ""}`,
    );
  };
  return {
    level,
    enabled: (lineLevel) => RANK[lineLevel] >= threshold,
    debug: (message) => write("debug", message),
    info: (message) => write("info", message),
    warn: (message) => write("warn", message),
    error: (message) => write("error", message),
    addSecrets(values) {
      for (const value of values) if (value.length >= 8) secrets.add(value);
    },
    redact: (text) => scrub(text, secrets),
  };
}

/** Replace every registered secret in `text` by its masked form. */
export function scrub(text: string, secrets: ReadonlySet<string>): string {
  if (secrets.size === 0) return text;
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.replaceAll(secret, maskSecret(secret));
  }
  return result;
}

/** A secret shown safely: `…` plus its last four characters (nothing at all for short values). */
export function maskSecret(secret: string): string {
  return secret.length < 12 ? "…" : `…${secret.slice(-4)}`;
}
