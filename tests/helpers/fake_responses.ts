/**
 * A fake OpenAI Responses API upstream (JSON and SSE, in OpenAI's documented event order) and a provider
 * adapter that speaks it, plus the proxy app served in-process on 127.0.0.1 with such a provider. No
 * built-in provider speaks Responses yet, so tests configure one here.
 */
import type { ConfiguredProvider } from "../../providers/mod.ts";
import type { ProviderAdapter } from "../../providers/types.ts";
import { apiKeyCredential } from "../../lib/credentials/credential.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { createLogger } from "../../lib/log/logger.ts";
import { EventHub } from "../../lib/rotator/events.ts";
import { Rotator } from "../../lib/rotator/rotator.ts";
import { UpstreamClient } from "../../lib/rotator/upstream_client.ts";
import { createApp } from "../../lib/server/app.ts";
import { ModelCatalog } from "../../lib/server/model_catalog.ts";
import { OutputLimits } from "../../lib/server/output_limits.ts";
import { resolveProviders } from "../../providers/mod.ts";
import { jsonResponse, type RecordedRequest, sseResponse } from "./fake_upstream.ts";
import { TEST_PROXY_KEY } from "./proxy_process.ts";

/** A provider adapter speaking the Responses API at `<base>/responses` with a Bearer key. */
export function responsesAdapter(id: string): ProviderAdapter {
  return {
    id,
    format: "responses",
    authKind: "api_key",
    defaultBaseUrl: "http://127.0.0.1:9/v1",
    authHeaders: (accessToken) => ({ authorization: `Bearer ${accessToken}` }),
    chatRequest: ({ baseUrl, auth, model, body }) => ({
      url: `${baseUrl}/responses`,
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ ...body, model }),
    }),
    modelsRequest: ({ baseUrl, auth }) => ({ url: `${baseUrl}/models`, method: "GET", headers: { ...auth } }),
    parseModels: () => ({ models: [{ id: "gpt-resp" }], nextPageToken: null }),
  };
}

const USAGE = {
  input_tokens: 20,
  input_tokens_details: { cached_tokens: 4 },
  output_tokens: 8,
  output_tokens_details: { reasoning_tokens: 3 },
  total_tokens: 28,
};

/** The output of the fake: reasoning with `encrypted_content`, then a `get_weather` call or text. */
function fakeOutput(calls: boolean) {
  const reasoning = {
    id: "rs_up_1",
    type: "reasoning",
    summary: [{ type: "summary_text", text: "Thinking about weather." }],
    encrypted_content: "openai-encrypted-state-1",
  };
  const last = calls
    ? {
      id: "fc_up_1",
      type: "function_call",
      status: "completed",
      call_id: "call_up_1",
      name: "get_weather",
      arguments: '{"city":"Paris"}',
    }
    : {
      id: "msg_up_1",
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "Sunny in Paris.", annotations: [], logprobs: [] }],
    };
  return [reasoning, last];
}

/** Answers `POST /responses` like OpenAI: a call to `get_weather` while tools are given and no result is. */
export function responsesHandler(request: RecordedRequest): Response {
  if (!request.path.endsWith("/responses")) {
    return jsonResponse({ error: { message: "not found", type: "invalid_request_error" } }, 404);
  }
  const body = request.json ?? {};
  const input = Array.isArray(body.input) ? body.input : [];
  const hasResult = input.some((item) => item?.type === "function_call_output");
  const calls = Array.isArray(body.tools) && body.tools.length > 0 && !hasResult;
  const output = fakeOutput(calls);
  const response = {
    id: "resp_upstream_1",
    object: "response",
    created_at: 1_700_000_000,
    status: "completed",
    error: null,
    incomplete_details: null,
    model: String(body.model),
    output,
    usage: USAGE,
  };
  if (body.stream !== true) return jsonResponse(response);
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const started = { ...response, status: "in_progress", output: [], usage: null };
  const [reasoning, last] = output;
  const events = [
    event("response.created", { response: started }),
    event("response.in_progress", { response: started }),
    event("response.output_item.added", { output_index: 0, item: { ...reasoning, summary: [] } }),
    event("response.reasoning_summary_part.added", {
      item_id: reasoning.id,
      output_index: 0,
      summary_index: 0,
      part: { type: "summary_text", text: "" },
    }),
    event("response.reasoning_summary_text.delta", {
      item_id: reasoning.id,
      output_index: 0,
      summary_index: 0,
      delta: "Thinking about weather.",
    }),
    event("response.reasoning_summary_text.done", {
      item_id: reasoning.id,
      output_index: 0,
      summary_index: 0,
      text: "Thinking about weather.",
    }),
    event("response.output_item.done", { output_index: 0, item: reasoning }),
  ];
  if (last.type === "function_call") {
    events.push(
      event("response.output_item.added", {
        output_index: 1,
        item: { ...last, arguments: "", status: "in_progress" },
      }),
      event("response.function_call_arguments.delta", {
        item_id: last.id,
        output_index: 1,
        delta: '{"city":',
      }),
      event("response.function_call_arguments.delta", {
        item_id: last.id,
        output_index: 1,
        delta: '"Paris"}',
      }),
      event("response.function_call_arguments.done", {
        item_id: last.id,
        output_index: 1,
        arguments: '{"city":"Paris"}',
      }),
      event("response.output_item.done", { output_index: 1, item: last }),
    );
  } else {
    const part = { type: "output_text", text: "", annotations: [], logprobs: [] };
    const ids = { item_id: last.id, output_index: 1, content_index: 0 };
    events.push(
      event("response.output_item.added", {
        output_index: 1,
        item: { ...last, content: [], status: "in_progress" },
      }),
      event("response.content_part.added", { ...ids, part }),
      event("response.output_text.delta", { ...ids, delta: "Sunny ", logprobs: [] }),
      event("response.output_text.delta", { ...ids, delta: "in Paris.", logprobs: [] }),
      event("response.output_text.done", { ...ids, text: "Sunny in Paris.", logprobs: [] }),
      event("response.content_part.done", { ...ids, part: { ...part, text: "Sunny in Paris." } }),
      event("response.output_item.done", { output_index: 1, item: last }),
    );
  }
  events.push(event("response.completed", { response }));
  return sseResponse(events);
}

/** The proxy app served in-process on 127.0.0.1. */
export interface InProcessProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * Serve the proxy app on 127.0.0.1 with a Responses-speaking provider `oairesp` at `responsesBase`, plus
 * the providers `env` configures (as the process would).
 */
export async function serveWithResponsesProvider(
  responsesBase: string,
  env: Record<string, string> = {},
): Promise<InProcessProxy> {
  const dataDir = await Deno.makeTempDir({ prefix: "proxy-responses-" });
  const { config } = await loadConfig({ dataDir }, {
    env: { PROXY_API_KEY: TEST_PROXY_KEY, ...env },
    cwd: dataDir,
  });
  const logger = createLogger("error");
  const providers: ConfiguredProvider[] = [
    ...resolveProviders(config.providers, logger),
    {
      id: "oairesp",
      adapter: responsesAdapter("oairesp"),
      baseUrl: responsesBase,
      credentials: [apiKeyCredential("sk-responses-aaaaaaaaaaaa1111")],
      custom: true,
      configuredModels: [],
    },
  ];
  const events = new EventHub();
  const rotator = new Rotator(providers, {
    settings: config.rotation,
    globalTimeoutMs: config.globalTimeoutMs,
    prices: config.prices,
    logger,
    events,
  });
  const upstream = new UpstreamClient({
    rotator,
    fetch,
    timeouts: {
      connectMs: config.connectTimeoutMs,
      streamingReadMs: config.streamingReadTimeoutMs,
      nonStreamingReadMs: config.nonStreamingReadTimeoutMs,
    },
  });
  const catalog = new ModelCatalog(providers, {
    upstream,
    logger,
    ttlMs: config.modelsCacheTtlMs,
    settings: config.rotation,
  });
  const app = createApp({
    config,
    providers,
    rotator,
    upstream,
    events,
    logger,
    catalog,
    outputLimits: new OutputLimits(),
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      await server.shutdown();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}
