/** The messages between the main thread and the server's Worker. */
import type { ProxyConfig } from "../../config/schema.ts";

/** Main thread → Worker. */
export type ToWorker =
  | { type: "start"; config: ProxyConfig }
  /** Stop accepting, let streams finish up to `graceMs`, save state, then answer `stopped`. */
  | { type: "shutdown"; graceMs: number }
  /** Try a fetch and a read from inside the Worker (tests of the sandbox); answers `probed`. */
  | { type: "probe"; url?: string; path?: string };

/** Worker → main thread. */
export type FromWorker =
  | { type: "listening"; url: string }
  | { type: "stopped" }
  | { type: "failed"; name: string; message: string }
  | { type: "probed"; fetch?: string; read?: string };
