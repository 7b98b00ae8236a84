/** The messages between the main thread and the server's Worker. */
import type { ProxyConfig } from "../../config/schema.ts";
import type { ReloadResult } from "../provider_reload.ts";

/** Main thread → Worker. */
export type ToWorker =
  /** `reusePort`: bind so that a later Worker can take the port over (a reload with new permissions). */
  | { type: "start"; config: ProxyConfig; innerPort?: number; reusePort?: boolean }
  /** Stop accepting, let streams finish up to `graceMs`, save state, then answer `stopped`. */
  | { type: "shutdown"; graceMs: number }
  /** Try a fetch and a read from inside the Worker (tests of the sandbox); answers `probed`. */
  | { type: "probe"; url?: string; path?: string }
  /** A reload that fits the Worker's permissions: apply `config`'s providers; answers `reconfigured`. */
  | { type: "reconfigure"; config: ProxyConfig }
  /** Save the pools' state now (before a new Worker loads it); answers `flushed`. */
  | { type: "flush" }
  /** The answer to the Worker's `reload-requested` with the same `id`. */
  | { type: "reloaded"; id: number; result?: ReloadResult; error?: { name: string; message: string } };

/** Worker → main thread. */
export type FromWorker =
  | { type: "listening"; url: string }
  | { type: "stopped" }
  | { type: "failed"; name: string; message: string }
  | { type: "probed"; fetch?: string; read?: string }
  | { type: "reconfigured"; result: ReloadResult }
  | { type: "flushed" }
  /** `POST /v1/admin/reload` arrived: only the main thread can re-read `.env` and the environment. */
  | { type: "reload-requested"; id: number };
