// deno-lint-ignore-file no-console
/**
 * The benchmark's side-by-side variants of the proxy, each measured in the same run as the default one
 * (sandboxed server, JSON-file state): `--sandbox=off` (issue 13: what the sandbox Worker costs) and
 * `STATE_STORE=redis://…` on a `redis-server` the benchmark starts on a free 127.0.0.1 port (issue 14:
 * what shared state costs). Each round measures the default proxy, then each variant, so drift spreads
 * over all of them.
 */
import { type RedisServer, startRedis } from "../helpers/redis_server.ts";

/** A way to run the proxy that is compared with the default one. */
export interface Variant {
  name: string;
  /** Arguments after `serve`. */
  args: string[];
  /** Variables for this round (`round` numbers them, so that Redis keys of rounds never mix). */
  env(round: number): Record<string, string>;
}

/** The variants `--compare` may name. */
export const VARIANT_NAMES = ["sandbox", "redis"] as const;
/** One of {@link VARIANT_NAMES}. */
export type VariantName = (typeof VARIANT_NAMES)[number];

/** The variants asked for, and what stops what they started. */
export interface Variants {
  variants: Variant[];
  stop(): Promise<void>;
}

/** Whether `redis-server` can be started here. */
async function hasRedisServer(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("redis-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** Prepare the `names` variants; the Redis one is skipped, with a message, when `redis-server` is absent. */
export async function prepareVariants(names: readonly VariantName[]): Promise<Variants> {
  const variants: Variant[] = [];
  let redis: RedisServer | null = null;
  for (const name of names) {
    if (name === "sandbox") {
      variants.push({ name: "sandbox off", args: ["--sandbox=off"], env: () => ({}) });
    } else if (!(await hasRedisServer())) {
      console.log("redis-server is not installed: the STATE_STORE=redis comparison is skipped");
    } else {
      const server = redis = await startRedis();
      variants.push({
        name: "redis store",
        args: [],
        env: (round) => ({ STATE_STORE: server.url, STATE_STORE_PREFIX: `bench${round}` }),
      });
    }
  }
  return { variants, stop: async () => await redis?.stop() };
}

/** What a comparison shows of one mode of one proxy run. */
export interface VariantFigures {
  addedP50Ms: number;
  ratio: number;
  cpuMicrosPerRequest: number;
}

/** Prints each mode's figures for the default proxy and every variant, and the differences. */
export function reportVariants(
  title: string,
  figures: { name: string; modes: Record<string, VariantFigures> }[],
): void {
  const [base] = figures;
  console.log(`\n== ${title} ==`);
  console.log(
    "".padEnd(36) +
      ["p50 added ms", "Δ p50 ms", "c=32 ratio", "Δ ratio", "CPU µs/req"].map((head) => head.padStart(13))
        .join(""),
  );
  for (const mode of Object.keys(base.modes)) {
    for (const { name, modes } of figures) {
      const entry = modes[mode];
      if (entry === undefined) continue;
      const reference = base.modes[mode];
      const deltaP50 = name === base.name ? "" : (entry.addedP50Ms - reference.addedP50Ms).toFixed(3);
      const deltaRatio = name === base.name ? "" : (entry.ratio - reference.ratio).toFixed(3);
      console.log(
        `  ${mode}, ${name}`.padEnd(36) + entry.addedP50Ms.toFixed(3).padStart(13) + deltaP50.padStart(13) +
          entry.ratio.toFixed(3).padStart(13) + deltaRatio.padStart(13) +
          entry.cpuMicrosPerRequest.toFixed(0).padStart(13),
      );
    }
  }
}
