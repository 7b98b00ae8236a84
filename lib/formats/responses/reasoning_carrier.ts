/**
 * Reasoning items carry `encrypted_content`, which Responses clients send back untouched on the next turn
 * (Codex CLI with `store: false` and `include: ["reasoning.encrypted_content"]`). OpenAI puts its own opaque
 * state there; the gateway puts there what other providers need back to continue a conversation: the exact
 * reasoning text with its signature (Anthropic refuses a thinking block that differs from what it signed),
 * or the data of a redacted block. So no server state is needed, whichever provider answered.
 * https://platform.openai.com/docs/guides/reasoning#encrypted-reasoning-items
 */
import { Buffer } from "node:buffer";
import { markSignature } from "../canonical.ts";
import { isRecord } from "../json_values.ts";

/** Marks `encrypted_content` written by the gateway; OpenAI's own never starts with it. */
const CARRIER_PREFIX = "gwr1.";

/** What a reasoning item carries for a provider other than OpenAI's Responses API. */
export interface CarriedReasoning {
  /** The reasoning text as the provider sent it. */
  text: string;
  /** The provider's signature, marked with its origin (see `markSignature`). */
  signature?: string;
  /** The data of a redacted reasoning block (Anthropic `redacted_thinking`). */
  redacted?: string;
}

/** The `encrypted_content` that carries `reasoning` through a Responses client. */
export function encryptedContentFor(reasoning: CarriedReasoning): string {
  const { text, signature, redacted } = reasoning;
  const payload = redacted !== undefined ? { r: redacted } : { t: text, s: signature ?? "" };
  return CARRIER_PREFIX + Buffer.from(JSON.stringify(payload), "utf8").toString("base64");
}

/**
 * What an `encrypted_content` a client sent back carries: the gateway's own carrier read back, or OpenAI's
 * state kept as a signature of the Responses format (valid only there). Null for a carrier that cannot be
 * read (a client that edited it): the reasoning is then sent as if unsigned.
 */
export function reasoningFromEncryptedContent(content: string):
  | Omit<CarriedReasoning, "text"> & {
    text?: string;
  }
  | null {
  if (!content.startsWith(CARRIER_PREFIX)) return { signature: markSignature("responses", content) };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(content.slice(CARRIER_PREFIX.length), "base64").toString("utf8"));
  } catch {
    return null;
  }
  if (!isRecord(payload)) return null;
  if (typeof payload.r === "string") return { redacted: payload.r };
  const text = typeof payload.t === "string" ? payload.t : undefined;
  const signature = typeof payload.s === "string" && payload.s !== "" ? payload.s : undefined;
  return { text, signature };
}

/** Whether `content` is the gateway's carrier (not OpenAI's own state). */
export function isCarrier(content: string): boolean {
  return content.startsWith(CARRIER_PREFIX);
}

/**
 * `items` without the reasoning the gateway carried for other providers: OpenAI refuses `encrypted_content`
 * it did not write, so a conversation that moves to it (a client switching models) loses only that
 * reasoning. The same array when there is none (the body then goes on untouched).
 */
export function withoutCarriedReasoning(items: unknown[]): unknown[] {
  const carried = (item: unknown) =>
    isRecord(item) && item.type === "reasoning" && typeof item.encrypted_content === "string" &&
    isCarrier(item.encrypted_content);
  return items.some(carried) ? items.filter((item) => !carried(item)) : items;
}
