/**
 * What running the real Claude Code CLI (2.1.x) through an OpenAI-compatible upstream showed the
 * translation got wrong: PDFs its Read tool returns, `output_config.effort`, the billing line at the top
 * of its system prompt, and its WebSearch side request (server tools only).
 */
import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../lib/formats/canonical.ts";
import { anthropicRequestToCanonical } from "../../../lib/formats/anthropic/request.ts";
import { messagesRequestSchema } from "../../../lib/formats/anthropic/schema.ts";
import { canonicalToOpenAIRequest } from "../../../lib/formats/openai/request.ts";
import { assertRequestError, canonicalRequest } from "../../helpers/canonical.ts";

const base = { model: "claude-sonnet-4-5", max_tokens: 8192, messages: [{ role: "user", content: "Hi" }] };

/** Validate like the server does, then translate to canonical. */
function toCanonical(body: Record<string, unknown>): CanonicalRequest {
  return anthropicRequestToCanonical(messagesRequestSchema.parse({ ...base, ...body }), "upstream-model");
}

/** An Anthropic body as the OpenAI-compatible upstream receives it. */
function toOpenAI(body: Record<string, unknown>): Record<string, unknown> {
  return canonicalToOpenAIRequest(toCanonical(body));
}

const PDF = { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" };
const PDF_PART = {
  type: "file",
  file: { filename: "document.pdf", file_data: "data:application/pdf;base64,JVBERi0xLjQK" },
};
const READ_CALL = {
  role: "assistant",
  content: [{ type: "tool_use", id: "toolu_read", name: "Read", input: { file_path: "/tmp/a.pdf" } }],
};

// ——— 1. Documents for OpenAI-compatible upstreams ———

Deno.test("canonicalToOpenAIRequest() sends a PDF next to a tool result as a file part after the tool message", () => {
  const sent = toOpenAI({
    messages: [
      { role: "user", content: "Read /tmp/a.pdf" },
      READ_CALL,
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_read", content: "PDF file read: /tmp/a.pdf (1 KB)" },
          { type: "document", source: PDF },
        ],
      },
    ],
  });
  assert.deepEqual((sent.messages as unknown[]).slice(2), [
    { role: "tool", tool_call_id: "toolu_read", content: "PDF file read: /tmp/a.pdf (1 KB)" },
    { role: "user", content: [PDF_PART] },
  ]);
});

Deno.test("canonicalToOpenAIRequest() sends a PDF inside a tool result in a user message after the tool message", () => {
  const sent = toOpenAI({
    messages: [
      { role: "user", content: "Read /tmp/a.pdf" },
      READ_CALL,
      {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: "toolu_read",
          content: [{ type: "text", text: "PDF read" }, { type: "document", title: "a.pdf", source: PDF }],
        }, { type: "text", text: "Summarize it." }],
      },
    ],
  });
  assert.deepEqual((sent.messages as unknown[]).slice(2), [
    { role: "tool", tool_call_id: "toolu_read", content: "PDF read" },
    {
      role: "user",
      content: [
        { ...PDF_PART, file: { ...PDF_PART.file, filename: "a.pdf" } },
        { type: "text", text: "Summarize it." },
      ],
    },
  ]);
});

Deno.test("canonicalToOpenAIRequest() maps text, base64 and URL documents instead of refusing them", () => {
  const sent = canonicalToOpenAIRequest(canonicalRequest("m", {
    messages: [{
      role: "user",
      content: [
        {
          type: "document",
          title: 'The "notes"',
          source: { kind: "text", mediaType: "text/plain", data: "N" },
        },
        { type: "document", source: { kind: "base64", mediaType: "application/pdf", data: "JVBER" } },
        { type: "document", title: "Spec", source: { kind: "url", url: "https://example.com/spec.pdf" } },
      ],
    }],
  }));
  assert.deepEqual(sent.messages, [{
    role: "user",
    content: [
      { type: "text", text: '<document title="The &quot;notes&quot;">N</document>' },
      { type: "file", file: { filename: "document.pdf", file_data: "data:application/pdf;base64,JVBER" } },
      {
        type: "text",
        text: '<document title="Spec" url="https://example.com/spec.pdf">(not attached: read it at its URL)' +
          "</document>",
      },
    ],
  }]);
});

// ——— 2. output_config.effort ———

Deno.test("anthropicRequestToCanonical() maps output_config.effort into the reasoning effort", () => {
  const adaptive = (effort: unknown) =>
    toCanonical({ thinking: { type: "adaptive" }, output_config: { effort } }).reasoning;
  assert.deepEqual(adaptive("high"), { enabled: true, effort: "high" });
  assert.deepEqual(adaptive("medium"), { enabled: true, effort: "medium" });
  assert.deepEqual(adaptive("low"), { enabled: true, effort: "low" });
  assert.deepEqual(adaptive("xhigh"), { enabled: true, effort: "high" });
  assert.deepEqual(adaptive("max"), { enabled: true, effort: "high" });
  assert.deepEqual(adaptive("someday"), { enabled: true }, "an unknown effort leaves it to the model");
  const sent = toOpenAI({ thinking: { type: "adaptive" }, output_config: { effort: "low" } });
  assert.equal(sent.reasoning_effort, "low");
});

Deno.test("anthropicRequestToCanonical() lets thinking.budget_tokens win over output_config.effort", () => {
  const output_config = { effort: "low" };
  const budget = toCanonical({
    thinking: { type: "enabled", budget_tokens: 16000 },
    max_tokens: 32000,
    output_config,
  });
  assert.deepEqual(budget.reasoning, { enabled: true, budgetTokens: 16000 });
  assert.equal(canonicalToOpenAIRequest(budget).reasoning_effort, "high");
  assert.deepEqual(toCanonical({ thinking: { type: "between_tools" }, output_config }).reasoning, {
    enabled: true,
    effort: "low",
  });
  assert.deepEqual(toCanonical({ thinking: { type: "disabled" }, output_config }).reasoning, {
    enabled: false,
  });
  assert.equal(toCanonical({ output_config }).reasoning, undefined, "effort alone does not turn thinking on");
});

// ——— 3. The billing line at the top of the system prompt ———

const BILLING = "x-anthropic-billing-header: cc_version=2.1.22.f3a; cc_entrypoint=cli; cch=36ee5;";

Deno.test("anthropicRequestToCanonical() drops a system block holding only Claude Code's billing line", () => {
  const system = [
    { type: "text", text: BILLING },
    { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
  ];
  assert.deepEqual(toCanonical({ system }).system, [{ type: "text", text: "You are Claude Code." }]);
  const sent = toOpenAI({ system });
  assert.deepEqual((sent.messages as unknown[])[0], { role: "system", content: "You are Claude Code." });
});

Deno.test("anthropicRequestToCanonical() strips Claude Code's billing line when it opens a system block", () => {
  const system = [{ type: "text", text: `${BILLING}\nYou are Claude Code.` }, {
    type: "text",
    text: "Be brief.",
  }];
  assert.deepEqual(toCanonical({ system }).system, [
    { type: "text", text: "You are Claude Code." },
    { type: "text", text: "Be brief." },
  ]);
  assert.deepEqual(toCanonical({ system: `${BILLING}\nBe brief.` }).system, [{
    type: "text",
    text: "Be brief.",
  }]);
  // Anywhere but the first line it is the client's own text, kept as written.
  const quoted = `Headers:\n${BILLING}`;
  assert.deepEqual(toCanonical({ system: quoted }).system, [{ type: "text", text: quoted }]);
});

// ——— 4. Server tools only ———

Deno.test("anthropicRequestToCanonical() refuses a request whose only tools are server tools", () => {
  const body = {
    tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 8 }],
    messages: [{ role: "user", content: "Perform a web search for the query: deno 2.9 release" }],
  };
  const message =
    'tools.0.type: server tool "web_search_20250305" cannot be translated: server tools such as ' +
    "web_search run only on Anthropic-native providers";
  assertRequestError(() => toCanonical(body), message, "tools.0.type");
});

Deno.test("anthropicRequestToCanonical() still drops server tools next to custom tools", () => {
  const request = toCanonical({
    tools: [
      { type: "web_search_20250305", name: "web_search", max_uses: 8 },
      { name: "Read", input_schema: { type: "object" } },
    ],
  });
  assert.deepEqual(request.tools, [{ name: "Read", inputSchema: { type: "object" } }]);
  assert.deepEqual(toCanonical({ tools: [] }).tools, []);
});
