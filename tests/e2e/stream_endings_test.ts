/**
 * End to end: how a stream's end is judged and what leaves the process. A passed-through stream that the
 * upstream closes before its format's final event fails the attempt (the key rests as after a cut) and
 * the client gets the format's error ending; a translated one likewise. An upstream's in-stream error
 * that quotes the key reaches no client unmasked, through any front door.
 */
import assert from "node:assert/strict";
import {
  anthropicStreamEvents,
  chatCompletionChunks,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const OPENAI_KEY = "sk-live-stream-echo-0123456789abcdefghij";
const ANTHROPIC_KEY = "sk-ant-api03-stream-cut-0000000000000001";

/** OpenAI-compatible upstream: `cut` closes without `[DONE]` or a finish, `echo` quotes the key mid-stream. */
function openaiUpstream(request: RecordedRequest): Response {
  const model = String(request.json?.model);
  const chunks = chatCompletionChunks(model, ["Hel", "lo"]);
  if (model === "cut") return sseResponse(chunks.slice(0, 3));
  if (model.startsWith("echo")) {
    const key = request.headers.get("authorization")?.slice("Bearer ".length);
    const error = {
      error: { message: `Incorrect API key provided: ${key}.`, type: "invalid_request_error" },
    };
    return sseResponse([...chunks.slice(0, 2), `data: ${JSON.stringify(error)}\n\n`]);
  }
  return sseResponse(chunks);
}

/** Anthropic upstream whose stream stops before `message_stop` (and before its `message_delta`). */
function anthropicUpstream(request: RecordedRequest): Response {
  const events = anthropicStreamEvents(String(request.json?.model), ["Hel", "lo"]);
  return sseResponse(events.filter((event) => !/message_stop|message_delta/.test(event)));
}

function post(url: string, path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TEST_PROXY_KEY}`,
      "x-api-key": TEST_PROXY_KEY,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
}

const messages = [{ role: "user", content: "hi" }];

async function scopeOf(url: string, provider: string, model: string): Promise<Record<string, unknown>> {
  const stats = await (await fetch(`${url}/v1/quota-stats`, {
    headers: { authorization: `Bearer ${TEST_PROXY_KEY}` },
  })).json();
  return stats.providers[provider].credentials[0].models[model];
}

Deno.test("a passed-through stream closed before its final event fails the attempt and ends with an error event", async () => {
  const openai = startFakeUpstream(openaiUpstream);
  const anthropic = startFakeUpstream(anthropicUpstream);
  const proxy = await startProxy({
    env: {
      OPENAI_API_BASE: openai.baseUrl,
      OPENAI_API_KEY: OPENAI_KEY,
      ANTHROPIC_API_BASE: anthropic.origin,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    },
  });
  try {
    // OpenAI chat passed through: no finish_reason, no [DONE].
    const cut = await post(proxy.url, "/v1/chat/completions", {
      model: "openai/cut",
      stream: true,
      messages,
    });
    const cutText = await cut.text();
    assert.ok(cutText.includes('"content":"Hel"'), cutText);
    assert.ok(cutText.trimEnd().endsWith("}"), cutText);
    assert.match(cutText, /data: \{"error":\{[^\n]*ended before its final event/);
    const cutScope = await scopeOf(proxy.url, "openai", "cut");
    assert.equal((cutScope.totals as Record<string, number>).failures, 1, JSON.stringify(cutScope));
    assert.equal((cutScope.totals as Record<string, number>).successes, 0);
    assert.equal(cutScope.state, "cooling", JSON.stringify(cutScope));

    // A whole stream is still a success.
    const whole = await post(proxy.url, "/v1/chat/completions", {
      model: "openai/ok",
      stream: true,
      messages,
    });
    const wholeText = await whole.text();
    assert.ok(wholeText.endsWith("data: [DONE]\n\n") && !wholeText.includes('"error"'), wholeText);
    const okScope = await scopeOf(proxy.url, "openai", "ok");
    assert.equal((okScope.totals as Record<string, number>).successes, 1, JSON.stringify(okScope));

    // Anthropic Messages passed through: no message_stop.
    const anthropicCut = await post(proxy.url, "/v1/messages", {
      model: "anthropic/claude-test",
      max_tokens: 10,
      stream: true,
      messages,
    });
    const anthropicText = await anthropicCut.text();
    assert.match(anthropicText, /event: error\ndata: \{"type":"error"/);
    const anthropicScope = await scopeOf(proxy.url, "anthropic", "claude-test");
    assert.equal(
      (anthropicScope.totals as Record<string, number>).failures,
      1,
      JSON.stringify(anthropicScope),
    );

    // The same cut, translated for an Anthropic client: the same failure and the same kind of ending.
    const translated = await post(proxy.url, "/v1/messages", {
      model: "openai/cut",
      max_tokens: 10,
      stream: true,
      messages,
    });
    const translatedText = await translated.text();
    assert.match(translatedText, /event: error\ndata: \{"type":"error"/);
    assert.ok(!translatedText.includes("message_stop"), translatedText);
  } finally {
    await proxy.stop();
    await openai.close();
    await anthropic.close();
  }
});

Deno.test("an in-stream error that quotes the key is masked for every front door, passed through or translated", async () => {
  const openai = startFakeUpstream(openaiUpstream);
  const proxy = await startProxy({ env: { OPENAI_API_BASE: openai.baseUrl, OPENAI_API_KEY: OPENAI_KEY } });
  try {
    // One model per door: the in-stream error rests the key for the model it was called for.
    const answers = await Promise.all([
      post(proxy.url, "/v1/chat/completions", { model: "openai/echo-1", stream: true, messages }),
      post(proxy.url, "/v1/messages", { model: "openai/echo-2", max_tokens: 10, stream: true, messages }),
      post(proxy.url, "/v1/responses", { model: "openai/echo-3", stream: true, input: "hi" }),
      post(proxy.url, "/v1beta/models/openai/echo-4:streamGenerateContent?alt=sse", {
        contents: [{ role: "user", parts: [{ text: "hi" }] }],
      }),
    ]);
    for (const [index, answer] of answers.entries()) {
      const text = await answer.text();
      assert.equal(answer.status, 200, text);
      // The upstream's words arrive (the client learns why), the key does not.
      assert.ok(text.includes("Incorrect API key provided"), `door ${index}: ${text}`);
      assert.ok(!text.includes(OPENAI_KEY), `door ${index}: ${text}`);
      assert.ok(!text.includes(OPENAI_KEY.slice(0, 16)), `door ${index}: ${text}`);
    }
    assert.equal(openai.requests.length, 4);
    assert.ok(!proxy.output().includes(OPENAI_KEY));
  } finally {
    await proxy.stop();
    await openai.close();
  }
});
