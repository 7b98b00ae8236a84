/**
 * A fake Codex Responses backend (`chatgpt.com/backend-api/codex`) on 127.0.0.1, strict as the
 * vendor facts describe it: only streams, `store: false`, `instructions` present, no `system` turns,
 * the refused parameters, the `ChatGPT-Account-ID` workspace, a first-party `originator`; answers in the
 * captured event order (`response.created` … `response.completed`), or 429 `usage_limit_reached`.
 */

/** A request the fake received. */
export interface CodexRecord {
  path: string;
  headers: Headers;
  json: Record<string, unknown> | null;
}

/** Options of {@link startFakeCodex}. */
export interface FakeCodexOptions {
  isValidToken: (token: string) => boolean;
  /** The workspace the token belongs to. @default "acc-123" */
  accountId?: string;
  /** Answer this many calls with `usage_limit_reached` first. @default 0 */
  usageLimited?: number;
  /** Seconds until the usage limit resets. @default 3600 */
  resetsInSeconds?: number;
}

/** A running fake. */
export interface FakeCodex {
  /** The API base, as `OPENAI_CODEX_API_BASE` takes it (`…/backend-api`). */
  base: string;
  requests: CodexRecord[];
  close(): Promise<void>;
}

const REFUSED = ["max_output_tokens", "temperature", "top_p", "max_completion_tokens", "context_management"];
const FIRST_PARTY = /^(codex_cli_rs|codex-tui|codex_vscode|codex_exec|Codex .*)$/;

/** The SSE text of a text answer, events in the captured order (MW PR#138 `stream_success_events.json`). */
export function codexTextStream(text: string, model: string): string {
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const envelope = (status: string, extra: Record<string, unknown> = {}) => ({
    id: "resp_1",
    object: "response",
    created_at: 1_764_000_000,
    status,
    model,
    output: [],
    store: false,
    usage: null,
    ...extra,
  });
  const message = { id: "msg_1", type: "message", status: "in_progress", role: "assistant", content: [] };
  const part = { type: "output_text", annotations: [], logprobs: [], text: "" };
  const done = { ...message, status: "completed", content: [{ ...part, text }] };
  return [
    event("response.created", { response: envelope("in_progress") }),
    event("response.in_progress", { response: envelope("in_progress") }),
    event("response.output_item.added", {
      output_index: 0,
      item: { id: "rs_1", type: "reasoning", summary: [] },
    }),
    event("response.output_item.done", {
      output_index: 0,
      item: { id: "rs_1", type: "reasoning", summary: [] },
    }),
    event("response.output_item.added", { output_index: 1, item: message }),
    event("response.content_part.added", { item_id: "msg_1", output_index: 1, content_index: 0, part }),
    event("response.output_text.delta", {
      item_id: "msg_1",
      output_index: 1,
      content_index: 0,
      delta: text,
      logprobs: [],
      obfuscation: "x",
    }),
    event("response.output_text.done", { item_id: "msg_1", output_index: 1, content_index: 0, text }),
    event("response.content_part.done", {
      item_id: "msg_1",
      output_index: 1,
      content_index: 0,
      part: { ...part, text },
    }),
    event("response.output_item.done", { output_index: 1, item: done }),
    event("response.completed", {
      response: envelope("completed", {
        output: [{ id: "rs_1", type: "reasoning", summary: [] }, done],
        usage: {
          input_tokens: 12,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 3,
          output_tokens_details: { reasoning_tokens: 1 },
          total_tokens: 15,
        },
      }),
    }),
  ].join("");
}

/** Start the fake. */
export function startFakeCodex(options: FakeCodexOptions): FakeCodex {
  const { isValidToken, accountId = "acc-123", resetsInSeconds = 3600 } = options;
  let limited = options.usageLimited ?? 0;
  const requests: CodexRecord[] = [];
  const json = (body: unknown, status: number) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (raw) => {
    const url = new URL(raw.url);
    const text = raw.method === "POST" ? await raw.text() : "";
    let body: Record<string, unknown> | null = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      return json({ detail: "Invalid JSON" }, 400);
    }
    requests.push({ path: url.pathname, headers: raw.headers, json: body });
    const token = (raw.headers.get("authorization") ?? "").replace(/^Bearer /, "");
    if (!isValidToken(token)) return json({ detail: "Unauthorized" }, 401);
    if (raw.headers.get("chatgpt-account-id") !== accountId) {
      return json({ detail: { code: "invalid_workspace_selected" } }, 403);
    }
    if (!FIRST_PARTY.test(raw.headers.get("originator") ?? "")) {
      return new Response("<html>Forbidden</html>", {
        status: 403,
        headers: { "content-type": "text/html" },
      });
    }
    if (url.pathname === "/backend-api/codex/models") {
      return json({ models: [{ slug: "gpt-5.5" }, { slug: "gpt-5.4-mini" }] }, 200);
    }
    if (url.pathname !== "/backend-api/codex/responses" || body === null) {
      return json({ detail: "Not Found" }, 404);
    }
    if (body.stream !== true) return json({ detail: "Stream must be set to true" }, 400);
    if (body.store !== false) return json({ detail: "Store must be set to false" }, 400);
    if (typeof body.instructions !== "string") return json({ detail: "Instructions are required" }, 400);
    for (const name of REFUSED) {
      if (name in body) return json({ detail: `Unsupported parameter: ${name}` }, 400);
    }
    const input = Array.isArray(body.input) ? body.input : [];
    if (input.some((item) => (item as { role?: unknown }).role === "system")) {
      return json({ detail: "System messages are not allowed" }, 400);
    }
    if (limited > 0) {
      limited--;
      return json({
        error: {
          type: "usage_limit_reached",
          message: "The usage limit has been reached",
          plan_type: "plus",
          resets_at: Math.floor(Date.now() / 1000) + resetsInSeconds,
          eligible_promo: null,
          resets_in_seconds: resetsInSeconds,
        },
      }, 429);
    }
    return new Response(codexTextStream("Hello from Codex", String(body.model)), {
      headers: { "content-type": "text/event-stream" },
    });
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}/backend-api`,
    requests,
    close: () => server.shutdown(),
  };
}
