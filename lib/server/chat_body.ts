/**
 * Body preparation of a chat call: what the client sent, cleaned once, then for each attempt the body in
 * the target's native format (passed through when the formats match, translated otherwise) with the
 * temperature override, the provider's quirks and learned output ceilings applied, and the request that
 * asks again within the model's ceiling when the upstream refused the output limit.
 */
import { formatOf, type UpstreamRequest } from "../../providers/types.ts";
import type { CanonicalRequest, WireFormat } from "../formats/canonical.ts";
import { type FormatCodec, providerCodec } from "../formats/mod.ts";
import type { Logger } from "../log/logger.ts";
import { outputCeilingOf } from "../rotator/output_ceiling.ts";
import type { BuildContext, Resend } from "../rotator/upstream_client.ts";
import type { UpstreamError } from "../errors.ts";
import type { OutputLimits } from "./output_limits.ts";
import { removeForbiddenFields } from "./sanitize.ts";
import type { Target } from "../rotator/rotator.ts";

/** A chat request ready to be built for any of its targets. */
export interface PreparedChat {
  /** The client's body without the fields that could redirect or re-authenticate the call. */
  forwarded: Record<string, unknown>;
  /** The request in canonical form, when some target speaks another format than the client. */
  canonical: CanonicalRequest | null;
  /** The request of one attempt. */
  build(context: BuildContext): UpstreamRequest;
  /** The same request within the model's output ceiling, when the refusal named it (asked once). */
  resend(error: UpstreamError, context: BuildContext): Resend | null;
}

/** Options of {@link prepareChat}. */
export interface PrepareChatOptions {
  inbound: FormatCodec;
  targets: readonly Target[];
  stream: boolean;
  temperatureZero: "keep" | "remove" | "set";
  outputLimits: OutputLimits;
  /** The client's headers (adapters honour feature flags of their own format, e.g. `anthropic-beta`). */
  clientHeaders: Headers;
  /**
   * What targets of the client's format are sent, when it must differ from the body others are translated
   * from (the Gemini and Responses doors take out what the gateway carries for other providers).
   * @default the client's body
   */
  passThroughBody?: Record<string, unknown>;
  logger: Logger;
}

/** The format a target's chat call speaks (a provider may serve some models through another API). */
export function targetFormat({ provider, model }: Target): WireFormat {
  return formatOf(provider.adapter, model);
}

/** Clean and translate the client's body once, up front, so an untranslatable request fails before any call. */
export function prepareChat(body: Record<string, unknown>, options: PrepareChatOptions): PreparedChat {
  const { inbound, targets, stream, temperatureZero, outputLimits, clientHeaders, logger } = options;
  const forwarded = removeForbiddenFields(body);
  const passed = options.passThroughBody === undefined
    ? forwarded
    : removeForbiddenFields(options.passThroughBody);
  const needsTranslation = targets.some((target) => targetFormat(target) !== inbound.format);
  const canonical = needsTranslation ? inbound.toCanonicalRequest(forwarded, targets[0].model) : null;
  // The native body of the attempt being built, so that a resend lowers exactly what was sent.
  const sent = new WeakMap<BuildContext, Record<string, unknown>>();

  const nativeBody = ({ provider, model }: Target) => {
    const { adapter } = provider;
    const format = formatOf(adapter, model);
    const codec = providerCodec(format);
    let native = format === inbound.format
      ? passed
      : codec.fromCanonicalRequest({ ...canonical!, model, stream });
    native = codec.overrideTemperatureZero(native, temperatureZero);
    if (adapter.prepareBody) native = adapter.prepareBody(native, { model, stream });
    return outputLimits.apply(provider.id, model, native, format);
  };
  const request = (context: BuildContext, native: Record<string, unknown>) => {
    const { provider, model } = context.target;
    return provider.adapter.chatRequest({
      baseUrl: provider.baseUrl,
      credential: context.credential,
      auth: context.auth,
      model,
      body: native,
      stream,
      clientHeaders,
    });
  };

  return {
    forwarded,
    canonical,
    build(context) {
      const native = nativeBody(context.target);
      sent.set(context, native);
      return request(context, native);
    },
    resend(error, context) {
      // A refusal of the output limit that names the model's ceiling: ask again, once, within it, and
      // remember the ceiling only once the model took it.
      const ceiling = outputCeilingOf(error);
      const native = sent.get(context);
      if (ceiling === null || native === undefined) return null;
      const { provider, model } = context.target;
      const lowered = providerCodec(formatOf(provider.adapter, model)).clampOutputTokens(native, ceiling);
      if (lowered === null) return null;
      return {
        request: request(context, lowered),
        accepted: () => {
          outputLimits.learn(provider.id, model, ceiling);
          logger.info(`${provider.id}/${model}: output limit lowered to the model's ceiling of ${ceiling}`);
        },
      };
    },
  };
}
