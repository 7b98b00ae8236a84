/**
 * How many descriptors the process may still open, so the connection cap stays below it. Deno raises
 * the soft open-files limit to the hard one when it starts (measured: under `ulimit -Sn 256` a Deno
 * process reports the hard limit in `/proc/self/limits`), so there is nothing left to raise without
 * privileges. The limit itself is not readable without `--allow-all` (Deno guards `/proc/self`) and
 * there is no `getrlimit` binding, so it is measured: listeners on 127.0.0.1 (a permission the server
 * needs anyway) are opened until the wanted number or EMFILE, then closed at once. That costs a few
 * hundred milliseconds for a thousand connections, so the listener measures only once many are open.
 */

/** Descriptors one client connection may hold: its socket, the relay to the HTTP server (two ends), an upstream call. */
export const DESCRIPTORS_PER_CONNECTION = 4;
/** Descriptors kept for everything else: files, model listings, Redis, the runtime's own. */
export const RESERVED_DESCRIPTORS = 64;

/** Options of {@link descriptorBudget}. */
export interface DescriptorBudgetOptions {
  /** Opens one descriptor. @default a TCP listener on 127.0.0.1, any port */
  open?: () => { close(): void };
}

/** How many descriptors (up to `wanted`) the process can open now. */
export function descriptorBudget(wanted: number, options: DescriptorBudgetOptions = {}): number {
  const { open = () => Deno.listen({ hostname: "127.0.0.1", port: 0 }) } = options;
  const held: Array<{ close(): void }> = [];
  try {
    while (held.length < wanted) held.push(open());
  } catch (error) {
    if (!isDescriptorExhaustion(error)) throw error;
  } finally {
    for (const descriptor of held) descriptor.close();
  }
  return held.length;
}

/**
 * The connection cap that fits both the setting and the descriptors left, measured while `open`
 * connections are open (each holding at least its socket); every connection may need
 * {@link DESCRIPTORS_PER_CONNECTION} once it sends a request. It may be below `open`.
 */
export function fittedMaxConnections(
  configured: number,
  open: number,
  budget: (wanted: number) => number = descriptorBudget,
): number {
  const wanted = Math.max(0, configured * DESCRIPTORS_PER_CONNECTION + RESERVED_DESCRIPTORS - open);
  const available = budget(wanted);
  if (available >= wanted) return configured;
  return Math.max(1, Math.floor((available + open - RESERVED_DESCRIPTORS) / DESCRIPTORS_PER_CONNECTION));
}

/** Whether `error` says the process (EMFILE) or the system (ENFILE) has no descriptor left. */
export function isDescriptorExhaustion(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === "EMFILE" || code === "ENFILE" || /Too many open files/i.test(error.message);
}
