/**
 * Request logs (`--enable-request-logging`): one folder per request under `logs/requests/` with the
 * client's request, each upstream call (URL, headers and body as sent, status, chunks as received), the
 * answer as sent to the client, and `metadata.json` (durations, time to first byte, attempts with
 * provider, model and key label, tokens, cost). Everything is redacted before it is written; each file
 * stops at `maxFileBytes` and the oldest folders go once all of them pass `maxTotalBytes`.
 */
import { join } from "node:path";
import type { AttemptEndEvent, ProxyEvent } from "../rotator/events.ts";
import { redactBody, redactHeaders, redactText, redactUrl, type SecretScrubber } from "./redaction.ts";

/** Options of {@link RequestLogStore}. */
export interface RequestLogStoreOptions {
  /** The folder holding one folder per request (`<data dir>/logs/requests`). */
  directory: string;
  /** Largest single file; the rest of a longer body is left out with a marker. */
  maxFileBytes: number;
  /** Total size of all request folders past which the oldest are removed. */
  maxTotalBytes: number;
  /** Masks known secrets. */
  scrub: SecretScrubber;
  /** Told when writing fails. @default ignore */
  onError?: (error: unknown) => void;
  /** @default Date.now */
  now?: () => number;
}

/** The client's request as the proxy received it. */
export interface LoggedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

/** How the proxy answered the client. */
export interface LoggedResponse {
  status: number;
  headers: Headers;
  /** From receiving the request to the response's first byte. */
  ttfbMs: number;
  /** From receiving the request to the response's last byte. */
  durationMs: number;
  /** The client went away before the end. */
  aborted?: boolean;
}

/** An upstream call as it was sent. */
export interface LoggedUpstreamRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

interface FolderEntry {
  path: string;
  bytes: number;
}

const encoder = new TextEncoder();
/** Finished logs kept to receive the attempt events that arrive after the answer ended. */
const MAX_RECENT_LOGS = 1_000;

/** Writes request logs and routes attempt events to them. */
export class RequestLogStore {
  readonly #options: Required<RequestLogStoreOptions>;
  /** The latest log of each request id (events are routed by id). */
  readonly #logs = new Map<string, RequestLog>();
  /** Recent logs, also those whose id a later request reused (a client's `x-request-id`). */
  readonly #recent: RequestLog[] = [];
  readonly #folders: FolderEntry[] = [];
  #totalBytes = 0;
  #scanned: Promise<void> | null = null;
  #sequence = 0;

  constructor(options: RequestLogStoreOptions) {
    this.#options = { onError: () => {}, now: Date.now, ...options };
  }

  /** Start the log of a request. */
  open(requestId: string, request: LoggedRequest): RequestLog {
    const startedAtMs = this.#options.now();
    const stamp = new Date(startedAtMs).toISOString().replaceAll(/[:.]/g, "-");
    // The id may come from the client's `x-request-id`: only safe characters reach the file system.
    const safeId = requestId.replaceAll(/[^A-Za-z0-9._-]/g, "_").slice(0, 80);
    const folder = join(this.#options.directory, `${stamp}_${(this.#sequence++).toString(36)}_${safeId}`);
    const entry: FolderEntry = { path: folder, bytes: 0 };
    this.#scanned ??= this.#scan();
    const ready = this.#scanned.then(() => Deno.mkdir(folder, { recursive: true, mode: 0o700 }));
    this.#folders.push(entry);
    const log = new RequestLog(requestId, startedAtMs, {
      ready,
      folder,
      scrub: this.#options.scrub,
      maxFileBytes: this.#options.maxFileBytes,
      onError: this.#options.onError,
      onBytes: (bytes) => this.#grow(entry, bytes),
    });
    this.#logs.delete(requestId);
    this.#logs.set(requestId, log);
    if (this.#logs.size > MAX_RECENT_LOGS) {
      const oldest = this.#logs.keys().next().value;
      if (oldest !== undefined) this.#logs.delete(oldest);
    }
    this.#recent.push(log);
    if (this.#recent.length > MAX_RECENT_LOGS) this.#recent.shift();
    log.writeRequest(request);
    return log;
  }

  /** The open (or recently finished) log of a request. */
  logOf(requestId: string): RequestLog | undefined {
    return this.#logs.get(requestId);
  }

  /** The event observer: attempt events go to their request's log. */
  readonly observe = (event: ProxyEvent): Promise<void> | void => {
    if (event.type === "credential-state") return;
    return this.#logs.get(event.requestId)?.recordEvent(event);
  };

  /** Resolves once every log's queued writes are done (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.#recent.map((log) => log.flush()));
  }

  #grow(entry: FolderEntry, bytes: number): void {
    entry.bytes += bytes;
    this.#totalBytes += bytes;
    while (this.#totalBytes > this.#options.maxTotalBytes && this.#folders.length > 1) {
      const oldest = this.#folders.shift()!;
      this.#totalBytes -= oldest.bytes;
      Deno.remove(oldest.path, { recursive: true }).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) this.#options.onError(error);
      });
    }
  }

  /** Count the folders a previous run left, oldest first, so the cap covers them too. */
  async #scan(): Promise<void> {
    const found: FolderEntry[] = [];
    try {
      for await (const item of Deno.readDir(this.#options.directory)) {
        if (!item.isDirectory) continue;
        const path = join(this.#options.directory, item.name);
        let bytes = 0;
        for await (const file of Deno.readDir(path)) {
          if (file.isFile) bytes += (await Deno.stat(join(path, file.name))).size;
        }
        found.push({ path, bytes });
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) this.#options.onError(error);
    }
    found.sort((a, b) => a.path.localeCompare(b.path));
    this.#folders.unshift(...found);
    for (const entry of found) this.#totalBytes += entry.bytes;
  }
}

interface RequestLogOptions {
  ready: Promise<void>;
  folder: string;
  scrub: SecretScrubber;
  maxFileBytes: number;
  onError: (error: unknown) => void;
  onBytes: (bytes: number) => void;
}

interface AttemptSummary {
  attempt: number;
  provider: string;
  model: string;
  key: string;
  stream: boolean;
  started_at?: string;
  outcome?: AttemptEndEvent["outcome"];
  status?: number | null;
  failure_class?: string | null;
  error?: string | null;
  body?: string;
  after_output?: boolean;
  ttfb_ms?: number | null;
  duration_ms?: number;
  tokens?: AttemptEndEvent["tokens"];
  cost_usd?: number | null;
}

/** The log of one request. Every method queues its writes and returns at once. */
export class RequestLog {
  readonly requestId: string;
  readonly #startedAtMs: number;
  readonly #options: RequestLogOptions;
  readonly #fileBytes = new Map<string, number>();
  readonly #attempts = new Map<number, AttemptSummary>();
  #queue: Promise<void>;
  #request: { method: string; path: string } | null = null;
  #response: LoggedResponse | null = null;

  constructor(requestId: string, startedAtMs: number, options: RequestLogOptions) {
    this.requestId = requestId;
    this.#startedAtMs = startedAtMs;
    this.#options = options;
    this.#queue = options.ready.catch((error) => options.onError(error));
  }

  /** The folder the log is written to. */
  get folder(): string {
    return this.#options.folder;
  }

  /** `request.json`: the client's request. */
  writeRequest(request: LoggedRequest): void {
    this.#request = { method: request.method, path: request.path };
    const { scrub } = this.#options;
    this.#write(
      "request.json",
      pretty({
        method: request.method,
        path: scrub(request.path),
        headers: redactHeaders(request.headers, scrub),
        body: parsedOrText(redactBody(request.body, scrub)),
      }),
    );
  }

  /** `upstream_<n>_request.json`: an upstream call as sent. */
  writeUpstreamRequest(call: number, request: LoggedUpstreamRequest): void {
    const { scrub } = this.#options;
    this.#write(
      `upstream_${call}_request.json`,
      pretty({
        method: request.method,
        url: redactUrl(request.url, scrub),
        headers: redactHeaders(request.headers, scrub),
        body: parsedOrText(redactBody(request.body, scrub)),
      }),
    );
  }

  /** `upstream_<n>_response.json`: the upstream's status and headers. */
  writeUpstreamResponse(call: number, status: number, headers: Headers): void {
    this.#write(
      `upstream_${call}_response.json`,
      pretty({ status, headers: redactHeaders(headers, this.#options.scrub) }),
    );
  }

  /** `upstream_<n>_body.txt`: the upstream's answer, appended chunk by chunk as received. */
  appendUpstreamBody(call: number, text: string): void {
    this.#write(`upstream_${call}_body.txt`, redactText(text, this.#options.scrub), true);
  }

  /** `upstream_<n>_error.txt`: why an upstream call produced no answer (connection, timeout). */
  writeUpstreamError(call: number, message: string): void {
    this.#write(`upstream_${call}_error.txt`, redactText(message, this.#options.scrub));
  }

  /** `response_body.txt`: the answer as sent to the client (stream chunks appended as they leave). */
  appendResponseBody(text: string): void {
    this.#write("response_body.txt", redactText(text, this.#options.scrub), true);
  }

  /** The response ended: `response.json` (status, headers) and `metadata.json`. */
  finish(response: LoggedResponse): void {
    this.#response = response;
    this.#write(
      "response.json",
      pretty({
        status: response.status,
        headers: redactHeaders(response.headers, this.#options.scrub),
      }),
    );
    this.#writeMetadata();
  }

  /** Take an attempt event; `metadata.json` is rewritten when it arrives after the response ended. */
  recordEvent(event: ProxyEvent): void {
    if (event.type === "credential-state") return;
    const summary = this.#attempts.get(event.attempt) ?? {
      attempt: event.attempt,
      provider: event.provider,
      model: event.model,
      key: event.credentialLabel,
      stream: event.stream,
    };
    this.#attempts.set(event.attempt, summary);
    if (event.type === "attempt-start") {
      summary.started_at = new Date(event.atMs).toISOString();
      return;
    }
    summary.outcome = event.outcome;
    summary.status = event.status ?? null;
    summary.failure_class = event.failureClass ?? null;
    summary.error = event.error === undefined ? null : redactText(event.error, this.#options.scrub);
    if (event.body !== undefined) summary.body = redactText(event.body, this.#options.scrub);
    summary.after_output = event.afterOutput ?? false;
    summary.ttfb_ms = event.ttfbMs === undefined ? null : round(event.ttfbMs);
    summary.duration_ms = round(event.durationMs);
    summary.tokens = event.tokens ?? null;
    summary.cost_usd = event.costUsd ?? null;
    if (this.#response) this.#writeMetadata();
  }

  /** Resolves once the queued writes are done. */
  flush(): Promise<void> {
    return this.#queue;
  }

  #writeMetadata(): void {
    const attempts = [...this.#attempts.values()].sort((a, b) => a.attempt - b.attempt);
    const served = attempts.findLast((attempt) => attempt.outcome === "success");
    const costs = attempts.map((attempt) => attempt.cost_usd).filter((cost) => typeof cost === "number");
    const response = this.#response;
    this.#write(
      "metadata.json",
      pretty({
        request_id: this.requestId,
        method: this.#request?.method ?? null,
        path: this.#request ? this.#options.scrub(this.#request.path) : null,
        started_at: new Date(this.#startedAtMs).toISOString(),
        status: response?.status ?? null,
        aborted: response?.aborted ?? false,
        ttfb_ms: response ? round(response.ttfbMs) : null,
        duration_ms: response ? round(response.durationMs) : null,
        provider: served?.provider ?? null,
        model: served?.model ?? null,
        key: served?.key ?? null,
        tokens: served?.tokens ?? null,
        cost_usd: costs.length > 0 ? costs.reduce((sum, cost) => sum + cost, 0) : null,
        attempts,
      }),
      false,
      true,
    );
  }

  /** Queue a write; appends stop at the size cap with one marker, replacements are cut to it. */
  #write(name: string, text: string, append = false, replace = false): void {
    const path = join(this.#options.folder, name);
    let bytes = encoder.encode(text);
    const written = this.#fileBytes.get(name) ?? 0;
    const room = this.#options.maxFileBytes - (append ? written : 0);
    if (room <= 0) return;
    if (bytes.length > room) {
      bytes = encoder.encode(`${text.slice(0, Math.max(0, room - 64))}\n…[cut at the log size cap]\n`);
      this.#fileBytes.set(name, this.#options.maxFileBytes);
    } else {
      this.#fileBytes.set(name, append ? written + bytes.length : bytes.length);
    }
    const grown = append || !replace ? bytes.length : Math.max(0, bytes.length - written);
    this.#queue = this.#queue.then(async () => {
      try {
        await Deno.writeFile(path, bytes, { append, create: true, mode: 0o600 });
        this.#options.onBytes(grown);
      } catch (error) {
        this.#options.onError(error);
      }
    });
  }
}

function pretty(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function parsedOrText(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
