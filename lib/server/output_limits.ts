/**
 * Output-token ceilings learned from upstream refusals (`lib/rotator/output_ceiling.ts`): once a lowered call
 * has gone through, later calls to the same provider and model are lowered up front.
 */
import type { WireFormat } from "../formats/canonical.ts";
import { providerCodec } from "../formats/mod.ts";

/** Ceilings learned so far, per provider and model. Memory only: a restart learns them again. */
export class OutputLimits {
  readonly #ceilings = new Map<string, number>();

  /** Remember `ceiling` for `provider`/`model`. */
  learn(provider: string, model: string, ceiling: number): void {
    this.#ceilings.set(`${provider}/${model}`, ceiling);
  }

  /** `body` lowered to the learned ceiling of `provider`/`model`, or `body` itself. */
  apply(provider: string, model: string, body: Record<string, unknown>, format: WireFormat) {
    const ceiling = this.#ceilings.get(`${provider}/${model}`);
    if (ceiling === undefined) return body;
    return providerCodec(format).clampOutputTokens(body, ceiling) ?? body;
  }
}
