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
import { prepareChat, targetFormat } from "./chat_body.ts";
import { sessionHintOf } from "./session_hint.ts";
import { jsonAnswer } from "./chat_json_answer.ts";
import { collectedAnswer } from "./chat_collected_answer.ts";
import { streamAnswer } from "./chat_stream_answer.ts";
import type { UsageEstimator } from "./call_accounting.ts";
import { envelopedReader } from "./answer_envelope.ts";
import type { AnswerReader } from "../formats/mod.ts";
import type { AnswerEnvelope } from "../../providers/types.ts";

/** What a front door hands over once the request is parsed and validated. */
export interface ChatCall {
  /** The client's format. */
  inbound: FormatCodec;
  /** The front door, as attempt events name it. */
  frontDoor: FrontDoor;
  /** The validated body as the client sent it. */
  body: Record<string, unknown>;
  /** What targets of the client's format are sent, when it differs from `body`. @default body */
  passThroughBody?: Record<string, unknown>;
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
  // A provider that only streams (the Codex backend) is asked for a stream, collected for a JSON client.
  const collect = !stream && targets.some((target) => target.provider.adapter.streamOnly === true);
  const prepared = prepareChat(call.body, {
    inbound,
    targets,
    stream: stream || collect,
    temperatureZero: config.temperatureZero,
    outputLimits,
    clientHeaders: c.req.raw.headers,
    logger,
    passThroughBody: call.passThroughBody,
  });
  const options = {
    targets,
    signal: c.req.raw.signal,
    facts: {
      requestId,
      frontDoor: call.frontDoor,
      stream,
      session: sessionHintOf(inbound.format, call.body),
    },
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
    const format = targetFormat(result.target);
    const codec = providerCodec(format);
    const { canonical } = prepared;
    return {
      inbound,
      // Some formats read the answer to a translated request knowing it (e.g. tool names they renamed).
      reader: withEnvelope(
        canonical !== null && format !== inbound.format && codec.answerReader
          ? codec.answerReader(canonical)
          : codec,
        adapter.envelope,
      ),
      // Same format: relay as is, unless the provider hides reasoning in <think> tags that must be split out
      // or wraps its answers in an envelope of its own.
      passThrough: format === inbound.format && !adapter.thinkTags && !adapter.envelope,
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
  if (collect) {
    const result = await upstream.stream(options);
    return await collectedAnswer(result, answering(result));
  }
  const result = await upstream.json(options);
  return await jsonAnswer(result, answering(result));
}

function withEnvelope(reader: AnswerReader, envelope: AnswerEnvelope | undefined): AnswerReader {
  return envelope ? envelopedReader(reader, envelope) : reader;
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
