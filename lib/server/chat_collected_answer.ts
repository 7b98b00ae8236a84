/**
 * A JSON answer for a client that asked for one, from a provider that only streams (the Codex
 * backend): the stream is read to its end, its canonical parts folded into one answer, and that answer
 * rendered in the client's format.
 */
import { mergeUsage } from "../formats/canonical.ts";
import { sseDecoder } from "../formats/sse.ts";
import { thinkTagSplitter } from "../formats/think_tags.ts";
import { UpstreamError } from "../errors.ts";
import type { ExecuteResult } from "../rotator/rotator.ts";
import type { StreamAnswer } from "../rotator/upstream_client.ts";
import { collectParts } from "../../providers/oauth/collect_parts.ts";
import { tokenUsage } from "./call_accounting.ts";
import type { JsonAnswerOptions } from "./chat_json_answer.ts";

/** Read the whole stream and answer with one JSON body; the call ends here. */
export async function collectedAnswer(
  result: ExecuteResult<StreamAnswer>,
  options: JsonAnswerOptions,
): Promise<Response> {
  const { inbound, reader, thinkTags, clientModel, requestId, estimate } = options;
  const { body, detach } = result.value;
  const provider = result.target.provider.id;
  let translated: Record<string, unknown>;
  try {
    let parts = body.pipeThrough(sseDecoder()).pipeThrough(reader.streamToParts());
    if (thinkTags) parts = parts.pipeThrough(thinkTagSplitter());
    const collected = collectParts(await Array.fromAsync(parts));
    const usage = mergeUsage(collected.usage, await estimate(collected.usage, () => collected.content));
    collected.usage = usage;
    translated = inbound.fromCanonicalResponse(collected, clientModel);
    result.finish({ ok: true, tokens: tokenUsage(usage) });
  } catch (error) {
    const failure = new UpstreamError(
      `${provider}: the streamed answer failed: ${(error as Error).message}`,
      {
        kind: "http",
        provider,
        status: 502,
        retryable: false,
      },
    );
    result.finish({ ok: false, error: failure });
    throw failure;
  } finally {
    detach();
  }
  return new Response(JSON.stringify(translated), {
    status: 200,
    headers: {
      "content-type": "application/json",
      "x-proxy-request-id": requestId,
      ...(inbound.requestIdHeader ? { [inbound.requestIdHeader]: requestId } : {}),
    },
  });
}
