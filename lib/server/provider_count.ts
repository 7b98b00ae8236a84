/**
 * Asking a provider's own count endpoint (Anthropic's `/v1/messages/count_tokens`, Gemini's `:countTokens`,
 * Code Assist's `v1internal:countTokens`) for a request's input tokens, through the rotator like any call.
 */
import { z } from "zod";
import type { Target } from "../rotator/rotator.ts";
import type { UpstreamClient } from "../rotator/upstream_client.ts";
import type { FrontDoor } from "../rotator/events.ts";

/** The count in a count endpoint's answer: Anthropic's `input_tokens`, Gemini's `totalTokens`. */
const providerCountSchema = z.union([
  z.object({ input_tokens: z.number().int().min(0) }).loose().transform((answer) => answer.input_tokens),
  z.object({ totalTokens: z.number().int().min(0) }).loose().transform((answer) => answer.totalTokens),
]);

/** The formats whose count endpoints {@link providerCount} reads. */
const COUNTING_FORMATS: ReadonlySet<string> = new Set(["anthropic", "gemini"]);

/** Whether `target`'s provider has a count endpoint of its own that {@link providerCount} can ask. */
export function canCount(target: Target): boolean {
  const { adapter } = target.provider;
  return COUNTING_FORMATS.has(adapter.format) && adapter.countTokensRequest !== undefined;
}

/** What {@link providerCount} needs besides the target and the body. */
export interface ProviderCountOptions {
  upstream: UpstreamClient;
  /** A count is quick: it gets the connect timeout, not the long wait of a generation. */
  readTimeoutMs: number;
  signal: AbortSignal;
  requestId: string;
  frontDoor: FrontDoor;
  clientHeaders: Headers;
  /** Told the masked label of the credential that counted. */
  onServed?: (label: string) => void;
}

/**
 * The provider's own count of `body` (in the provider's format; its adapter keeps what the endpoint
 * takes), or null when the answer holds none. Throws when the call fails, as any call does.
 */
export async function providerCount(
  target: Target,
  body: Record<string, unknown>,
  options: ProviderCountOptions,
): Promise<number | null> {
  const { provider, model } = target;
  const { adapter } = provider;
  if (!adapter.countTokensRequest) return null;
  const build = adapter.countTokensRequest.bind(adapter);
  const result = await options.upstream.json({
    targets: [target],
    signal: options.signal,
    facts: { requestId: options.requestId, frontDoor: options.frontDoor },
    readTimeoutMs: options.readTimeoutMs,
    build: ({ credential, auth }) =>
      build({
        baseUrl: provider.baseUrl,
        credential,
        auth,
        model,
        body,
        stream: false,
        clientHeaders: options.clientHeaders,
      }),
  });
  options.onServed?.(result.credential.label);
  result.finish({ ok: true });
  const parsed = providerCountSchema.safeParse(result.value.json);
  return parsed.success ? parsed.data : null;
}
