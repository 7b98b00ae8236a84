/**
 * A verdict refined by what only the vendor's failure body says (the adapter's `readFailure`): a stated
 * reset rests the credential until then (OpenAI Codex `usage_limit_reached`), a model busy for everyone
 * (Code Assist `MODEL_CAPACITY_EXHAUSTED`) does not rest the credential at all.
 */
import type { VendorFailure } from "../../providers/types.ts";
import type { FailureVerdict } from "./failure.ts";

/** `verdict` as the vendor's own words change it. Pure. */
export function refineVerdict(
  verdict: FailureVerdict,
  vendor: VendorFailure | null,
  nowMs: number,
): FailureVerdict {
  if (vendor === null) return verdict;
  if (vendor.resetAtMs !== undefined && vendor.resetAtMs > nowMs) {
    const seconds = Math.ceil((vendor.resetAtMs - nowMs) / 1000);
    return {
      ...verdict,
      failureClass: "quota_exhausted",
      resetAtMs: vendor.resetAtMs,
      summary: `${verdict.summary} (usage limit, resets in ${seconds}s)`,
      next: "other_key",
      cooldown: "until_reset",
      backoff: false,
      sameKeyAgain: false,
      providerWide: false,
    };
  }
  if (vendor.providerBusy) {
    return {
      ...verdict,
      summary: `${verdict.summary} (the model is busy for everyone; the account is not rested)`,
      next: "other_key",
      cooldown: "none",
      backoff: true,
      providerWide: false,
    };
  }
  return verdict;
}
