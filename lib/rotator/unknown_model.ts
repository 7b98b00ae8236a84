/**
 * Whether an upstream's refusal says it does not know the model it was called for, so that the pool keeps
 * no state for a made-up model id (issue 8 §6). Only the vendor's own message is read: the rest of a body
 * may echo what the client sent.
 */
import { readUpstreamErrorBody } from "../errors.ts";

/**
 * Wordings of a 400 that refuses the model itself: OpenRouter "x is not a valid model ID", Mistral
 * "Invalid model: x", others "The model `x` does not exist" / "model x not found".
 */
const UNKNOWN_MODEL_WORDING =
  /is not a valid model|\binvalid model\b|\bmodel\b[^.]{0,120}\b(?:does not exist|not found|is not found)/i;

/**
 * A 404 to a model call (its path is fixed; only the model can be missing), or a 400 whose code or
 * wording says the model is unknown.
 */
export function isUnknownModel(status: number, body: string): boolean {
  if (status === 404) return true;
  if (status !== 400) return false;
  const { message, code } = readUpstreamErrorBody(body);
  return code === "model_not_found" || UNKNOWN_MODEL_WORDING.test(message ?? "");
}
