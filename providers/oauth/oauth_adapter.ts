/**
 * The adapter of an OAuth provider: the common adapter interface, whose `authHeaders`, `envelope` and
 * `readFailure` carry the OAuth vendors' differences, plus what only some of them need.
 */
import type { WireFormat } from "../../lib/formats/canonical.ts";
import { providerCodec } from "../../lib/formats/mod.ts";
import type { ListedModel, ProviderAdapter } from "../types.ts";

export type { AnswerEnvelope, AuthHeaders, VendorFailure } from "../types.ts";

/** An OAuth provider (and, for Qwen, its API keys too). */
export interface OAuthProviderAdapter extends Omit<ProviderAdapter, "format"> {
  /** The wire format it speaks; `responses` (OpenAI Codex) until that format joins {@link WireFormat}. */
  readonly format: WireFormat | "responses";
  readonly authKind: "oauth";
  /** Models served when the listing names none. */
  readonly fallbackModels?: readonly ListedModel[];
}

/** Whether the adapter speaks a format the proxy can translate (and so can be registered). */
export function isRegistrable(
  adapter: OAuthProviderAdapter,
): adapter is OAuthProviderAdapter & ProviderAdapter {
  // Checked at run time: the Responses format joins the codecs in its own change.
  return providerCodec(adapter.format as WireFormat) !== undefined;
}
