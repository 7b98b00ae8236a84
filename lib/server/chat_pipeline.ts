/**
 * One chat call, whatever the client's format and the provider's: pass the body through untouched
 * when both speak the same format, otherwise translate through the canonical hub — request, JSON
 * answer and stream alike. The rotator runs the attempts; this file only builds and relays.
 */
import type { Context } from "hono";
import { type CanonicalRequest, type CanonicalUsage, mergeUsage } from "../formats/canonical.ts";
import { type FormatCodec, providerCodec } from "../formats/mod.ts";
import { splitThinkResponse, thinkTagSplitter } from "../formats/think_tags.ts";
import { sseDecoder } from "../formats/sse.ts";
import { estimateMissingUsage, type UsageSources } from "../formats/token_count.ts";
import { UpstreamError } from "../errors.ts";
import { UnusableAnswerError } from "../formats/answer_errors.ts";
import { readCallText, type Target } from "../rotator/rotator.ts";
import { sendUpstream } from "../rotator/upstream_call.ts";
import type { AppDeps, AppEnv } from "./context.ts";
import { relayHeaders, relayStream } from "./relay.ts";
import { streamTranslator } from "./stream_translation.ts";
import { PartsTap, streamOutcome, tokenUsage } from "./call_accounting.ts";
import { clampOutputTokens } from "../formats/output_limit.ts";
import { outputCeilingOf } from "../rotator/output_ceiling.ts";
import { removeForbiddenFields } from "./sanitize.ts";

/** What a front door hands over once the request is parsed and validated. */
export interface ChatCall {
  /** The client's format. */
  inbound: FormatCodec;
  /** The validated body as the client sent it. */
  body: Record<string, unknown>;
  /** The model name as the client wrote it (echoed in translated answers). */
  clientModel: string;
  targets: readonly Target[];
  stream: boolean;
  /**
   * The client receives token usage in a stream: OpenAI clients that asked for
   * `stream_options.include_usage`, Anthropic clients always (`message_delta`).
   */
  includeUsage: boolean;
}

/** Run a chat call and build the client's response. */
export async function runChat(deps: AppDeps, c: Context<AppEnv>, call: ChatCall): Promise<Response> {
  const { config, rotator, fetch, outputLimits } = deps;
  const { inbound, targets, stream } = call;
  const signal = c.req.raw.signal;
  const forwarded = removeForbiddenFields(call.body);
  // Translate once, up front, so an untranslatable request fails before any upstream is called.
  const needsTranslation = targets.some((target) => target.provider.adapter.format !== inbound.format);
  const canonical: CanonicalRequest | null = needsTranslation
    ? inbound.toCanonicalRequest(forwarded, targets[0].model)
    : null;

  const result = await rotator.execute({
    targets,
    signal,
    attempt: async ({ credential, target, deadlineAtMs }) => {
      const { provider, model } = target;
      const { adapter } = provider;
      let body = adapter.format === inbound.format
        ? forwarded
        : providerCodec(adapter.format).fromCanonicalRequest({ ...canonical!, model, stream });
      body = overrideTemperatureZero(body, config.temperatureZero);
      if (adapter.prepareBody) body = adapter.prepareBody(body, { model, stream });
      body = outputLimits.apply(provider.id, model, body, adapter.format);
      const send = (body: Record<string, unknown>) => {
        const request = adapter.chatRequest({
          baseUrl: provider.baseUrl,
          credential,
          model,
          body,
          stream,
          clientHeaders: c.req.raw.headers,
        });
        // A stream must start before the global deadline; a JSON answer arrives whole, so it gets the read timeout.
        const headersTimeoutMs = stream
          ? Math.max(1, Math.min(config.connectTimeoutMs, deadlineAtMs - Date.now()))
          : config.nonStreamingReadTimeoutMs;
        return sendUpstream(request, { fetch, provider: provider.id, headersTimeoutMs, signal });
      };
      try {
        return await send(body);
      } catch (error) {
        // A refusal of the output limit that names the model's ceiling: ask again, once, within it, and
        // remember the ceiling only once the model took it.
        const ceiling = error instanceof UpstreamError ? outputCeilingOf(error) : null;
        const lowered = ceiling === null || Date.now() >= deadlineAtMs
          ? null
          : clampOutputTokens(body, adapter.format, ceiling);
        if (lowered === null) throw error;
        const answer = await send(lowered);
        outputLimits.learn(provider.id, model, ceiling!);
        deps.logger.info(
          `${provider.id}/${model}: output limit lowered to the model's ceiling of ${ceiling}`,
        );
        return answer;
      }
    },
  });

  const { provider } = result.target;
  const where = `${provider.id}/${result.target.model}`;
  const access = c.get("access");
  access.keyLabel = result.credential.label;
  if (result.target !== targets[0]) access.note = `served by ${provider.id}/${result.target.model}`;
  const { response, controller, detach } = result.value;
  const { adapter } = provider;
  // Same format: relay as is, unless the provider hides reasoning in <think> tags that must be split out.
  const passThrough = adapter.format === inbound.format && !adapter.thinkTags;
  const codec = providerCodec(adapter.format);
  // Some formats read the answer to a translated request knowing it (e.g. tool names they renamed).
  const target = canonical !== null && adapter.format !== inbound.format && codec.answerReader
    ? codec.answerReader(canonical)
    : codec;
  const requestId = c.get("requestId");
  const errorEvent = (message: string) =>
    inbound.streamErrorEvent({
      kind: "api_error",
      message: `${provider.id}: ${message}`,
      code: "stream_error",
    });
  // Only for answers that come without usage: the request in canonical form, translated on demand.
  const estimate = async (usage: Partial<CanonicalUsage>, output: UsageSources["output"]) => {
    try {
      const request = () => canonical ?? inbound.toCanonicalRequest(forwarded, result.target.model);
      return await estimateMissingUsage(usage, { request, output });
    } catch (error) {
      deps.logger.debug(`${where}: the missing usage could not be estimated: ${(error as Error).message}`);
      return {};
    }
  };

  if (stream && response.body) {
    const headers = passThrough ? relayHeaders(response.headers) : new Headers();
    headers.set("content-type", "text/event-stream; charset=utf-8");
    headers.set("cache-control", "no-cache");
    headers.set("x-proxy-request-id", requestId);
    if (!passThrough && inbound.requestIdHeader) headers.set(inbound.requestIdHeader, requestId);
    // Missing usage is estimated (the tokenizer blocks a while) only for clients that are shown it.
    const tap = passThrough ? null : new PartsTap(call.includeUsage ? estimate : undefined);
    const encoder = { model: call.clientModel, includeUsage: call.includeUsage };
    const translator = tap === null
      ? undefined
      : streamTranslator({ reader: target, inbound, tap, thinkTags: adapter.thinkTags, encoder }) ??
        undefined;
    // Translated after the relay's idle watchdog has seen the upstream's bytes, not the client's.
    const translate = tap === null || translator ? undefined : (bytes: ReadableStream<Uint8Array>) => {
      let parts = bytes.pipeThrough(sseDecoder()).pipeThrough(target.streamToParts());
      if (adapter.thinkTags) parts = parts.pipeThrough(thinkTagSplitter());
      return parts
        .pipeThrough(tap.stream())
        .pipeThrough(inbound.partsToStream({ model: call.clientModel, includeUsage: call.includeUsage }))
        .pipeThrough(new TextEncoderStream());
    };
    const relayed = relayStream(response.body, {
      idleTimeoutMs: config.streamingReadTimeoutMs,
      controller,
      errorEvent,
      translate,
      translator,
      onEnd: (end, tail) => {
        detach();
        const usage = tap === null ? inbound.streamTailUsage(tail()) : tap.usage;
        const facts = { translated: tap !== null, tap: tap ?? UNTRANSLATED, usage };
        const { outcome, failure } = streamOutcome(end, facts);
        if (failure !== null) deps.logger.warn(`${where}: the stream ended with an error: ${failure}`);
        result.finish(outcome);
      },
    });
    return new Response(relayed, { status: passThrough ? response.status : 200, headers });
  }

  const text = await readCallText(result, {
    provider: provider.id,
    timeoutMs: config.nonStreamingReadTimeoutMs,
    signal,
  });

  if (passThrough) {
    result.finish({ ok: true, tokens: tokenUsage(passThroughUsage(inbound, text)) });
    const headers = relayHeaders(response.headers);
    headers.set("x-proxy-request-id", requestId);
    return new Response(text, { status: response.status, headers });
  }
  let translated: Record<string, unknown>;
  let usage: CanonicalUsage;
  try {
    let canonicalResponse = target.toCanonicalResponse(JSON.parse(text));
    if (adapter.thinkTags) canonicalResponse = splitThinkResponse(canonicalResponse);
    const { content } = canonicalResponse;
    usage = mergeUsage(canonicalResponse.usage, await estimate(canonicalResponse.usage, () => content));
    translated = inbound.fromCanonicalResponse(canonicalResponse, call.clientModel);
  } catch (error) {
    const failure = new UpstreamError(
      `${provider.id} sent an answer that could not be read: ${(error as Error).message}`,
      { kind: "http", provider: provider.id, status: 502, body: text.slice(0, 500), retryable: false },
    );
    // A model's unusable answer (Gemini's MALFORMED_FUNCTION_CALL) is not the key's fault: another request
    // on it may well succeed. An answer that is not what the format promises (HTML, no candidate) is.
    result.finish(
      error instanceof UnusableAnswerError ? { ok: true, tokens: null } : { ok: false, error: failure },
    );
    throw failure;
  }
  result.finish({ ok: true, tokens: tokenUsage(usage) });
  return new Response(JSON.stringify(translated), {
    status: 200,
    headers: {
      "content-type": "application/json",
      "x-proxy-request-id": requestId,
      // Anthropic's SDKs read `request-id` into `_request_id`; a passed-through answer has the upstream's.
      ...(inbound.requestIdHeader ? { [inbound.requestIdHeader]: requestId } : {}),
    },
  });
}

/** What a stream passed through untouched says about itself: nothing beyond how it ended. */
const UNTRANSLATED = { error: null, blame: undefined, finished: true } as const;

/**
 * `OVERRIDE_TEMPERATURE_ZERO`: some providers misbehave on `temperature: 0` (reasoning models reject
 * it, others loop). `remove` drops it, `set` raises it to 1.0; `keep` sends it as the client did.
 */
export function overrideTemperatureZero(
  body: Record<string, unknown>,
  mode: "keep" | "remove" | "set",
): Record<string, unknown> {
  if (mode === "keep") return body;
  const generation = body.generationConfig as Record<string, unknown> | undefined;
  if (body.temperature === 0) {
    const { temperature: _zero, ...rest } = body;
    return mode === "remove" ? rest : { ...rest, temperature: 1 };
  }
  if (generation?.temperature === 0) {
    const { temperature: _zero, ...rest } = generation;
    return { ...body, generationConfig: mode === "remove" ? rest : { ...rest, temperature: 1 } };
  }
  return body;
}

function passThroughUsage(codec: FormatCodec, text: string): Partial<CanonicalUsage> | null {
  try {
    return codec.usageOf(JSON.parse(text));
  } catch {
    return null;
  }
}
