import assert from "node:assert/strict";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { CODECS } from "../../../lib/formats/mod.ts";
import type { CallOutcome, ExecuteResult } from "../../../lib/rotator/rotator.ts";
import type { StreamAnswer } from "../../../lib/rotator/upstream_client.ts";
import { collectedAnswer } from "../../../lib/server/chat_collected_answer.ts";
import { openaiCodex } from "../../../providers/oauth/openai_codex.ts";
import { chatCompletionChunks } from "../../helpers/fake_upstream.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";

function streamResult(text: string, outcomes: CallOutcome[]): ExecuteResult<StreamAnswer> {
  // Test boundary: a provider record around the stream-only adapter, as the registry will build it.
  const provider = { id: "stream_only", adapter: openaiCodex } as unknown as ConfiguredProvider;
  return {
    value: {
      response: new Response(null, { headers: { "content-type": "text/event-stream" } }),
      body: new Response(text).body!,
      controller: new AbortController(),
      detach: () => {},
    },
    credential: apiKeyCredential("sk-test-key-123456"),
    target: { provider, model: "m" },
    finish: (outcome) => void outcomes.push(outcome),
  };
}

const options = {
  inbound: CODECS.anthropic,
  reader: CODECS.openai,
  passThrough: false,
  thinkTags: false,
  clientModel: "stream_only/m",
  requestId: "req-1",
  estimate: () => Promise.resolve({}),
};

Deno.test("collectedAnswer() answers a JSON client from a stream-only upstream, in the client's format", async () => {
  const outcomes: CallOutcome[] = [];
  const response = await collectedAnswer(
    streamResult(chatCompletionChunks("m", ["Hel", "lo"]).join(""), outcomes),
    options,
  );
  const body = await response.json();
  assert.equal(body.type, "message");
  assert.deepEqual(body.content, [{ type: "text", text: "Hello" }]);
  assert.equal(body.model, "stream_only/m");
  assert.equal(response.headers.get("request-id"), "req-1");
  assert.deepEqual(outcomes.map((outcome) => outcome.ok), [true]);
});

Deno.test("collectedAnswer() fails the call when the stream carried an error", async () => {
  const outcomes: CallOutcome[] = [];
  const broken = `data: ${
    JSON.stringify({ error: { message: "usage limit reached", type: "rate_limit_error" } })
  }\n\n`;
  await assert.rejects(
    () => collectedAnswer(streamResult(broken, outcomes), options),
    /streamed answer failed/,
  );
  assert.deepEqual(outcomes.map((outcome) => outcome.ok), [false]);
});
