/** Errors of reading an upstream's answer, by whose fault they are. */

/**
 * The upstream answered, but the model's answer cannot be used (Gemini's MALFORMED_FUNCTION_CALL): the
 * request fails, yet the credential that carried it is not at fault and is not cooled for it. Any other
 * error while reading an answer (not JSON, no candidate) counts against the credential.
 */
export class UnusableAnswerError extends Error {
  override readonly name = "UnusableAnswerError";
}
