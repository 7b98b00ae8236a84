/**
 * Gemini clients send `thoughtSignature`s back untouched on the next turn — Gemini CLI drops thought parts
 * from its history but keeps the signature on the function call or text part after them. Gemini puts its
 * own opaque signature there; the gateway puts there what another provider needs to continue the
 * conversation: the exact reasoning text with its signature (Anthropic refuses a thinking block that
 * differs from what it signed, and drops thinking on a tool loop that lost it), or a redacted block's data.
 * So no server state is needed, whichever provider answered.
 * https://ai.google.dev/gemini-api/docs/thought-signatures
 */
import { Buffer } from "node:buffer";
import type { CanonicalPart } from "../canonical.ts";
import { isRecord, type Json } from "../json_values.ts";

/** Marks a `thoughtSignature` written by the gateway; Google's own (base64) never start with it. */
const CARRIER_PREFIX = "gwg1.";

/** What a carrier holds: signed reasoning of another provider, or a redacted block. */
export type CarriedReasoning =
  | Extract<CanonicalPart, { type: "reasoning" }>
  | Extract<CanonicalPart, { type: "redacted-reasoning" }>;

/** The `thoughtSignature` that carries `reasoning` (its signature marked with its origin) through a client. */
export function signatureCarrier(reasoning: CarriedReasoning): string {
  const payload = reasoning.type === "redacted-reasoning"
    ? { r: reasoning.data }
    : { t: reasoning.text, s: reasoning.signature ?? "" };
  return CARRIER_PREFIX + Buffer.from(JSON.stringify(payload), "utf8").toString("base64");
}

/** Whether a `thoughtSignature` is the gateway's carrier (not Google's own). */
export function isSignatureCarrier(signature: string): boolean {
  return signature.startsWith(CARRIER_PREFIX);
}

/** The reasoning a carrier holds, or null for one that cannot be read (a client that edited it). */
export function carriedReasoning(signature: string): CarriedReasoning | null {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(signature.slice(CARRIER_PREFIX.length), "base64").toString("utf8"));
  } catch {
    return null;
  }
  if (!isRecord(payload)) return null;
  if (typeof payload.r === "string") return { type: "redacted-reasoning", data: payload.r };
  if (typeof payload.t !== "string") return null;
  return typeof payload.s === "string" && payload.s !== ""
    ? { type: "reasoning", text: payload.t, signature: payload.s }
    : { type: "reasoning", text: payload.t };
}

/**
 * A Gemini body without the gateway's carriers, for a Gemini provider (which refuses signatures it did not
 * mint): on a function call the carrier becomes the documented stand-in that skips the check, elsewhere it
 * is removed. The same body when it holds none (it then goes on untouched).
 */
export function withoutSignatureCarriers(
  body: Record<string, unknown>,
  options: { skipSignature: string },
): Record<string, unknown> {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  const carries = (part: unknown) =>
    isRecord(part) && typeof part.thoughtSignature === "string" && isSignatureCarrier(part.thoughtSignature);
  if (
    !contents.some((content) =>
      isRecord(content) && Array.isArray(content.parts) && content.parts.some(carries)
    )
  ) {
    return body;
  }
  const strip = (part: unknown): unknown => {
    if (!carries(part)) return part;
    const { thoughtSignature: _carrier, ...rest } = part as Json;
    return rest.functionCall !== undefined ? { ...rest, thoughtSignature: options.skipSignature } : rest;
  };
  return {
    ...body,
    contents: contents.map((content) =>
      isRecord(content) && Array.isArray(content.parts)
        ? { ...content, parts: content.parts.map(strip) }
        : content
    ),
  };
}
