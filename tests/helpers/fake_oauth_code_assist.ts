/**
 * A fake Code Assist backend (cloudcode-pa `v1internal`) on 127.0.0.1, written from
 * `shared/vendor-facts/google-code-assist.md`: `loadCodeAssist`, `onboardUser` as a long-running
 * operation polled at `v1internal/operations/<id>`, `generateContent`, `streamGenerateContent?alt=sse`
 * (one `{response}` envelope per `data:` line, no `[DONE]`), `countTokens`, `fetchAvailableModels`. It
 * checks the bearer token and the envelope as the vendor does (unknown top-level names are refused).
 */

/** A request the fake received. */
export interface CodeAssistRecord {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  json: Record<string, unknown> | null;
}

/** How the fake account looks to `loadCodeAssist`. */
export type FakeAccountState =
  | { kind: "onboarded"; tier: string; project: string | { id: string }; paidTier?: string }
  | { kind: "new"; defaultTier: string; project: string; pollsUntilDone?: number }
  | { kind: "ineligible" };

/** Options of {@link startFakeCodeAssist}. */
export interface FakeCodeAssistOptions {
  /** Access tokens it accepts; others get Google's 401. */
  isValidToken: (token: string) => boolean;
  account?: FakeAccountState;
  /** Answers to generate calls, in order (the last repeats); default: a short text answer. */
  answers?: Array<(request: CodeAssistRecord) => Response>;
  /** Models of `fetchAvailableModels`. */
  models?: Record<string, Record<string, unknown>>;
}

/** A running fake Code Assist backend. */
export interface FakeCodeAssist {
  base: string;
  requests: CodeAssistRecord[];
  setAnswers(answers: Array<(request: CodeAssistRecord) => Response>): void;
  close(): Promise<void>;
}

const ENVELOPE_FIELDS = new Set([
  "model",
  "project",
  "user_prompt_id",
  "userPromptId",
  "request",
  "enabled_credit_types",
  "enabledCreditTypes",
  "userAgent",
  "requestType",
  "requestId",
]);

/** A JSON response. */
export function googleJson(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** A Code Assist SSE stream of `envelopes` (`data: <json>` + blank line each, no `[DONE]`). */
export function codeAssistSse(envelopes: unknown[]): Response {
  const text = envelopes.map((envelope) => `data: ${JSON.stringify(envelope)}\r\n\r\n`).join("");
  return new Response(text, { headers: { "content-type": "text/event-stream" } });
}

/** A Code Assist answer envelope of `text`. */
export function codeAssistText(text: string, finishReason = "STOP"): Record<string, unknown> {
  return {
    response: {
      candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 },
      modelVersion: "gemini-2.5-pro",
      responseId: "resp-1",
    },
    traceId: "trace-1",
  };
}

/** Google's 429 as cloudcode-pa sends it (gemini-cli `googleQuotaErrors.test.ts`). */
export function quotaExhausted(resetDelay = "68940s", reason = "QUOTA_EXHAUSTED"): Response {
  return googleJson({
    error: {
      code: 429,
      message: "You have exhausted your capacity on this model. Your quota will reset after 19h9m0s.",
      status: "RESOURCE_EXHAUSTED",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason,
          domain: "cloudcode-pa.googleapis.com",
          metadata: { uiMessage: "true", model: "gemini-2.5-pro", quotaResetDelay: resetDelay },
        },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: resetDelay },
      ],
    },
  }, 429);
}

/** Start the fake. */
export function startFakeCodeAssist(options: FakeCodeAssistOptions): FakeCodeAssist {
  const requests: CodeAssistRecord[] = [];
  let answers = options.answers ?? [(_request: CodeAssistRecord) => googleJson(codeAssistText("Hello"))];
  let answered = 0;
  const operations = new Map<string, number>();
  const account = options.account ?? { kind: "onboarded", tier: "standard-tier", project: "proj-1" };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (raw) => {
    const url = new URL(raw.url);
    const text = raw.method === "POST" ? await raw.text() : "";
    let json: Record<string, unknown> | null = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      return googleJson({
        error: { code: 400, message: "Invalid JSON payload received.", status: "INVALID_ARGUMENT" },
      }, 400);
    }
    const record = { method: raw.method, path: url.pathname, search: url.search, headers: raw.headers, json };
    requests.push(record);
    const token = (raw.headers.get("authorization") ?? "").replace(/^Bearer /, "");
    if (!options.isValidToken(token)) {
      return googleJson({
        error: {
          code: 401,
          message:
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie " +
            "or other valid authentication credential.",
          status: "UNAUTHENTICATED",
        },
      }, 401);
    }
    const method = url.pathname.replace(/^\/v1internal:?/, "");
    if (method === "loadCodeAssist") {
      if (account.kind === "onboarded") {
        return googleJson({
          currentTier: { id: account.tier, name: account.tier },
          ...(account.paidTier ? { paidTier: { id: account.paidTier } } : {}),
          allowedTiers: [{ id: account.tier, isDefault: true }],
          cloudaicompanionProject: account.project,
        });
      }
      if (account.kind === "ineligible") {
        return googleJson({
          allowedTiers: [],
          ineligibleTiers: [{
            reasonCode: "UNSUPPORTED_CLIENT",
            tierId: "free-tier",
            tierName: "Gemini Code Assist for individuals",
            reasonMessage:
              "This client is no longer supported for Gemini Code Assist for individuals. To continue " +
              "using Gemini, please migrate to the Antigravity suite of products: https://antigravity.google",
          }],
        });
      }
      return googleJson({ allowedTiers: [{ id: account.defaultTier, isDefault: true }] });
    }
    if (method === "onboardUser" && account.kind === "new") {
      if (account.defaultTier === "free-tier" && json?.cloudaicompanionProject) {
        return googleJson({
          error: { code: 400, message: "Precondition Failed", status: "FAILED_PRECONDITION" },
        }, 400);
      }
      const name = `operations/op-${operations.size + 1}`;
      operations.set(name, account.pollsUntilDone ?? 1);
      return googleJson({ name, done: false });
    }
    if (
      raw.method === "GET" && url.pathname.startsWith("/v1internal/operations/") && account.kind === "new"
    ) {
      const name = url.pathname.replace("/v1internal/", "");
      const left = (operations.get(name) ?? 1) - 1;
      operations.set(name, left);
      return googleJson(
        left > 0 ? { name, done: false } : {
          name,
          done: true,
          response: { cloudaicompanionProject: { id: account.project, name: account.project } },
        },
      );
    }
    if (method === "fetchAvailableModels") {
      return googleJson({ models: options.models ?? {} });
    }
    if (method === "generateContent" || method === "streamGenerateContent" || method === "countTokens") {
      for (const key of Object.keys(json ?? {})) {
        if (!ENVELOPE_FIELDS.has(key)) {
          return googleJson({
            error: {
              code: 400,
              message: `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`,
              status: "INVALID_ARGUMENT",
            },
          }, 400);
        }
      }
      if (method !== "countTokens" && (!json?.project || typeof json.project !== "string")) {
        return googleJson({
          error: {
            code: 400,
            message: "Invalid project resource name projects/",
            status: "INVALID_ARGUMENT",
          },
        }, 400);
      }
      if (method === "streamGenerateContent" && url.searchParams.get("alt") !== "sse") {
        return googleJson({
          error: { code: 400, message: "alt=sse expected by this fake", status: "INVALID_ARGUMENT" },
        }, 400);
      }
      if (method === "countTokens") return googleJson({ totalTokens: 7 });
      const answer = answers[Math.min(answered, answers.length - 1)];
      answered++;
      return answer(record);
    }
    return googleJson(
      { error: { code: 404, message: `not found: ${url.pathname}`, status: "NOT_FOUND" } },
      404,
    );
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    requests,
    setAnswers(next) {
      answers = next;
      answered = 0;
    },
    close: () => server.shutdown(),
  };
}
