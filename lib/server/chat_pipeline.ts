/**
 * One chat call, whatever the client's format and the provider's: the body is prepared once
 * (`chat_body.ts`), the upstream client runs the checked attempts through the rotator, and the answer is
 * relayed or translated (`chat_json_answer.ts`, `chat_stream_answer.ts`).
 */
import type { Context } from "hono";
import type { CanonicalUsage } from "../formats/canonical.ts";
import { type FormatCodec, providerCodec } from "../formats/mod.ts";
import { estimateMissingUsage, type UsageSources } from "../formats/token_count.ts";
import type { FrontDoor } from "../rotator/events.ts";
import type { ExecuteResult, Target } from "../rotator/rotator.ts";
import type { Logger } from "../log/logger.ts";
import type { AppDeps, AppEnv } from "./context.ts";
import { prepareChat } from "./chat_body.ts";
import { jsonAnswer } from "./chat_json_answer.ts";
import { streamAnswer } from "./chat_stream_answer.ts";
import type { UsageEstimator } from "./call_accounting.ts";

/** What a front door hands over once the request is parsed and validated. */
export interface ChatCall {
  /** The client's format. */
  inbound: FormatCodec;
  /** The front door, as attempt events name it. */
  frontDoor: FrontDoor;
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
  const { config, upstream, outputLimits, logger } = deps;
  const { inbound, targets, stream } = call;
  const requestId = c.get("requestId");
  const prepared = prepareChat(call.body, {
    inbound,
    targets,
    stream,
    temperatureZero: config.temperatureZero,
    outputLimits,
    clientHeaders: c.req.raw.headers,
    logger,
  });
  const options = {
    targets,
    signal: c.req.raw.signal,
    facts: { requestId, frontDoor: call.frontDoor, stream },
    build: prepared.build,
    resend: prepared.resend,
  };
  /** What both kinds of answer need, once the serving target is known. */
  const answering = (result: ExecuteResult<unknown>) => {
    const { provider, model } = result.target;
    const access = c.get("access");
    access.keyLabel = result.credential.label;
    if (result.target !== targets[0]) access.note = `served by ${provider.id}/${model}`;
    const { adapter } = provider;
    const codec = providerCodec(adapter.format);
    const { canonical } = prepared;
    return {
      inbound,
      // Some formats read the answer to a translated request knowing it (e.g. tool names they renamed).
      reader: canonical !== null && adapter.format !== inbound.format && codec.answerReader
        ? codec.answerReader(canonical)
        : codec,
      // Same format: relay as is, unless the provider hides reasoning in <think> tags that must be split out.
      passThrough: adapter.format === inbound.format && !adapter.thinkTags,
      thinkTags: adapter.thinkTags === true,
      clientModel: call.clientModel,
      requestId,
      // Only for answers that come without usage: the request in canonical form, translated on demand.
      estimate: usageEstimator(() => canonical ?? inbound.toCanonicalRequest(prepared.forwarded, model), {
        where: `${provider.id}/${model}`,
        logger,
      }),
    };
  };
  if (stream) {
    const result = await upstream.stream(options);
    return streamAnswer(result, {
      ...answering(result),
      includeUsage: call.includeUsage,
      idleTimeoutMs: config.streamingReadTimeoutMs,
      logger,
    });
  }
  const result = await upstream.json(options);
  return await jsonAnswer(result, answering(result));
}

function usageEstimator(
  request: UsageSources["request"],
  options: { where: string; logger: Logger },
): UsageEstimator {
  return async (usage: Partial<CanonicalUsage>, output: UsageSources["output"]) => {
    try {
      return await estimateMissingUsage(usage, { request, output });
    } catch (error) {
      options.logger.debug(
        `${options.where}: the missing usage could not be estimated: ${(error as Error).message}`,
      );
      return {};
    }
  };
}
