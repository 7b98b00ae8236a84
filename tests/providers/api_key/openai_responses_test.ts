/** The `openai` provider's Responses mode: which models go to `/responses`, and how users change the list. */
import assert from "node:assert/strict";
import { discoverProviders } from "../../../lib/config/load.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import { resolveProviders } from "../../../providers/mod.ts";
import { formatOf, type ProviderAdapter } from "../../../providers/types.ts";

const credential = apiKeyCredential("sk-test-aaaaaaaaaaaa0000");

function requestOf(adapter: ProviderAdapter, model: string, body: Record<string, unknown>) {
  const prepared = adapter.prepareBody ? adapter.prepareBody(body, { model, stream: false }) : body;
  return adapter.chatRequest({
    baseUrl: "http://127.0.0.1:9/v1",
    credential,
    auth: { authorization: "Bearer sk-test" },
    model,
    body: prepared,
    stream: false,
  });
}

Deno.test("openai.formatFor() names Responses for the models OpenAI serves only there", () => {
  for (
    const model of [
      "o1-pro",
      "o3-pro-2025-06-10",
      "gpt-5-pro",
      "gpt-5.2-pro",
      "gpt-5-codex",
      "codex-mini-latest",
    ]
  ) {
    assert.equal(formatOf(openai, model), "responses", model);
  }
  for (const model of ["o3-deep-research", "o4-mini-deep-research", "computer-use-preview"]) {
    assert.equal(formatOf(openai, model), "responses", model);
  }
  for (const model of ["gpt-4o", "o3", "o3-mini", "gpt-5", "gpt-5.1", "gpt-5-chat-latest", "gpt-4.1-mini"]) {
    assert.equal(formatOf(openai, model), "openai", model);
  }
});

Deno.test("openai.chatRequest() sends Responses-only models to /responses, the others to /chat/completions", () => {
  const responses = requestOf(openai, "o3-pro", { input: "hi", temperature: 0.2, max_output_tokens: 50 });
  assert.equal(responses.url, "http://127.0.0.1:9/v1/responses");
  // The Chat Completions quirks (max_tokens renamed) do not touch a Responses body; its own drop sampling.
  assert.deepEqual(JSON.parse(responses.body!), { input: "hi", max_output_tokens: 50, model: "o3-pro" });
  const chat = requestOf(openai, "o3", { messages: [], max_tokens: 50 });
  assert.equal(chat.url, "http://127.0.0.1:9/v1/chat/completions");
  assert.deepEqual(JSON.parse(chat.body!), { messages: [], max_completion_tokens: 50, model: "o3" });
});

Deno.test("openai prepareBody keeps sampling on GPT-5.1+ pro models asked not to reason", () => {
  const body = { input: "hi", temperature: 0.2, reasoning: { effort: "none" } };
  assert.deepEqual(openai.prepareBody!(body, { model: "gpt-5.2-pro", stream: false }), body);
});

Deno.test("withResponsesModels() replaces the list; `default` extends it and `none` empties it", () => {
  const replaced = openai.withResponsesModels!(["my-model*"]);
  assert.equal(formatOf(replaced, "my-model-2"), "responses");
  assert.equal(formatOf(replaced, "o3-pro"), "openai");
  const extended = openai.withResponsesModels!(["default", "gpt-6-pro"]);
  assert.equal(formatOf(extended, "gpt-6-pro"), "responses");
  assert.equal(formatOf(extended, "o3-pro"), "responses");
  const none = openai.withResponsesModels!(["none"]);
  assert.equal(formatOf(none, "o3-pro"), "openai");
  assert.equal(requestOf(none, "o3-pro", {}).url, "http://127.0.0.1:9/v1/chat/completions");
});

Deno.test("resolveProviders() applies <PROVIDER>_RESPONSES_MODELS to built-in and custom providers", () => {
  const settings = discoverProviders({
    OPENAI_API_KEY: "sk-openai-aaaaaaaaaaaa1111",
    OPENAI_RESPONSES_MODELS: "default, gpt-6-pro",
    LOCAL_API_BASE: "http://127.0.0.1:9/v1",
    LOCAL_API_KEY: "none",
    LOCAL_RESPONSES_MODELS: "agent-*",
  });
  // The list is not mistaken for a `<PROVIDER>_MODELS` of a provider named OPENAI_RESPONSES.
  assert.deepEqual(settings.map((setting) => setting.id), ["local", "openai"]);
  const providers = new Map(resolveProviders(settings).map((provider) => [provider.id, provider.adapter]));
  assert.equal(formatOf(providers.get("openai")!, "gpt-6-pro"), "responses");
  assert.equal(formatOf(providers.get("openai")!, "o1-pro"), "responses");
  assert.equal(formatOf(providers.get("local")!, "agent-7"), "responses");
  assert.equal(formatOf(providers.get("local")!, "llama-3"), "openai");
  assert.equal(requestOf(providers.get("local")!, "agent-7", {}).url, "http://127.0.0.1:9/v1/responses");
});
