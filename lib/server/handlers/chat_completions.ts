/** `POST /v1/chat/completions`: OpenAI Chat Completions, JSON and streaming, passed through. */
import type { Handler } from "hono";
import { RequestError, UpstreamError } from "../../errors.ts";
import { openAIStreamErrorEvent } from "../../formats/openai/error.ts";
import { chatCompletionRequestSchema } from "../../formats/openai/schema.ts";
import { openAIStreamUsage, openAIUsage } from "../../formats/openai/usage.ts";
import { requestTimeouts } from "../../rotator/timeouts.ts";
import { sendUpstream } from "../../rotator/upstream_call.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { resolveTargets } from "../model_resolution.ts";
import { relayHeaders, relayStream } from "../relay.ts";
import { readJsonBody } from "../request_body.ts";
import { removeForbiddenFields } from "../sanitize.ts";
import { zodProblem } from "../validation.ts";

/** Build the chat completions handler. */
export function chatCompletions(deps: AppDeps): Handler<AppEnv> {
  const { config, rotator, fetch } = deps;
  const providers = new Map(deps.providers.map((provider) => [provider.id, provider]));
  return async function chatCompletions(c) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    const parsed = chatCompletionRequestSchema.safeParse(body);
    if (!parsed.success) {
      const { path, message } = zodProblem(parsed.error);
      throw new RequestError(400, `${path}: ${message}`, { param: path });
    }
    const targets = resolveTargets(parsed.data.model, providers, config.rotation);
    const access = c.get("access");
    access.model = parsed.data.model;
    const stream = parsed.data.stream === true;
    const forwarded = removeForbiddenFields(body);
    const signal = c.req.raw.signal;

    const call = await rotator.execute({
      targets,
      signal,
      attempt: ({ credential, target, deadlineAtMs }) => {
        const { provider, model } = target;
        const request = provider.adapter.chatRequest({
          baseUrl: provider.baseUrl,
          credential,
          model,
          body: forwarded,
          stream,
        });
        // A stream must start before the global deadline; a JSON answer arrives whole, so it gets the read timeout.
        const headersTimeoutMs = stream
          ? Math.max(1, Math.min(config.connectTimeoutMs, deadlineAtMs - Date.now()))
          : config.nonStreamingReadTimeoutMs;
        return sendUpstream(request, { fetch, provider: provider.id, headersTimeoutMs, signal });
      },
    });
    const provider = call.target.provider;
    if (call.target.model !== targets[0].model || call.target.provider !== targets[0].provider) {
      access.note = `served by ${provider.id}/${call.target.model}`;
    }
    access.keyLabel = call.credential.label;
    const { response, controller, detach } = call.value;
    const headers = relayHeaders(response.headers);
    headers.set("x-proxy-request-id", c.get("requestId"));

    if (stream && response.body) {
      headers.set("content-type", response.headers.get("content-type") ?? "text/event-stream");
      headers.set("cache-control", "no-cache");
      const relayed = relayStream(response.body, {
        idleTimeoutMs: config.streamingReadTimeoutMs,
        controller,
        errorEvent: (message) =>
          openAIStreamErrorEvent({
            kind: "api_error",
            message: `${provider.id}: ${message}`,
            code: "stream_error",
          }),
        onEnd: (end, tail) => {
          detach();
          if (end.ok) call.finish({ ok: true, tokens: openAIStreamUsage(tail()) });
          else call.finish(end);
        },
      });
      return new Response(relayed, { status: response.status, headers });
    }

    const timer = requestTimeouts.schedule(config.nonStreamingReadTimeoutMs, () => controller.abort());
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      call.finish({ ok: false, error });
      if (signal.aborted) throw error;
      throw new UpstreamError(`${provider.id} did not finish its response in time`, {
        kind: "timeout",
        provider: provider.id,
      });
    } finally {
      requestTimeouts.cancel(timer);
      detach();
    }
    call.finish({ ok: true, tokens: usageOf(text) });
    return new Response(text, { status: response.status, headers });
  };
}

function usageOf(text: string) {
  try {
    return openAIUsage(JSON.parse(text));
  } catch {
    return null;
  }
}
