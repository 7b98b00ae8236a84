/**
 * The JSON answer of a chat call: relayed as read when the client speaks the provider's format (the
 * upstream client has already parsed it once, for usage), translated through the canonical hub otherwise.
 */
import { type CanonicalUsage, mergeUsage } from "../formats/canonical.ts";
import type { AnswerReader, FormatCodec } from "../formats/mod.ts";
import { splitThinkResponse } from "../formats/think_tags.ts";
import { UnusableAnswerError } from "../formats/answer_errors.ts";
import { UpstreamError } from "../errors.ts";
import type { ExecuteResult } from "../rotator/rotator.ts";
import type { JsonAnswer } from "../rotator/upstream_client.ts";
import { tokenUsage, type UsageEstimator } from "./call_accounting.ts";
import { relayHeaders } from "./relay.ts";

/** What {@link jsonAnswer} needs besides the answer. */
export interface JsonAnswerOptions {
  inbound: FormatCodec;
  /** The codec that reads the provider's answer (knowing the request, when the format needs it). */
  reader: AnswerReader;
  /** Relay the upstream's body untouched. */
  passThrough: boolean;
  /** The provider may wrap reasoning in `<think>` tags. */
  thinkTags: boolean;
  clientModel: string;
  requestId: string;
  estimate: UsageEstimator;
}

/** Build the client's response from a checked JSON answer, and end the call. */
export async function jsonAnswer(
  result: ExecuteResult<JsonAnswer>,
  options: JsonAnswerOptions,
): Promise<Response> {
  const { inbound, reader, passThrough, thinkTags, clientModel, requestId, estimate } = options;
  const { response, text, json } = result.value;
  const provider = result.target.provider.id;
  if (passThrough) {
    result.finish({ ok: true, tokens: tokenUsage(usageOf(inbound, json)) });
    const headers = relayHeaders(response.headers);
    headers.set("x-proxy-request-id", requestId);
    return new Response(text, { status: response.status, headers });
  }
  let translated: Record<string, unknown>;
  let usage: CanonicalUsage;
  try {
    let canonicalResponse = reader.toCanonicalResponse(json);
    if (thinkTags) canonicalResponse = splitThinkResponse(canonicalResponse);
    const { content } = canonicalResponse;
    usage = mergeUsage(canonicalResponse.usage, await estimate(canonicalResponse.usage, () => content));
    translated = inbound.fromCanonicalResponse(canonicalResponse, clientModel);
  } catch (error) {
    const failure = new UpstreamError(
      `${provider} sent an answer that could not be read: ${(error as Error).message}`,
      { kind: "http", provider, status: 502, body: text.slice(0, 500), retryable: false },
    );
    // A model's unusable answer (Gemini's MALFORMED_FUNCTION_CALL) is not the key's fault: another request
    // on it may well succeed. An answer that is not what the format promises (no candidate) is.
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

function usageOf(codec: FormatCodec, json: unknown): Partial<CanonicalUsage> | null {
  try {
    return codec.usageOf(json);
  } catch {
    return null;
  }
}
