/** The messages between the main thread and the server's Worker. */
import type { ProxyConfig } from "../../config/schema.ts";
import type { ReloadResult } from "../provider_reload.ts";
import type { UsageDelta } from "./usage_handover.ts";

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
  /**
   * A new Worker is about to take over: save the pools' state now (it loads them) and remember it, so that
   * `stopped` can tell what was counted afterwards; answers `handed-over`.
   */
  | { type: "hand-over" }
  /** Add what a Worker handed over counted while it drained (no answer). */
  | { type: "merge-usage"; usage: UsageDelta[] }
  /** The answer to the Worker's `reload-requested` with the same `id`. */
  | { type: "reloaded"; id: number; result?: ReloadResult; error?: { name: string; message: string } };

/** Worker → main thread. */
export type FromWorker =
  | { type: "listening"; url: string }
  /** `usage`: what was counted after `hand-over`, when there was one. */
  | { type: "stopped"; usage?: UsageDelta[] }
  | { type: "failed"; name: string; message: string }
  | { type: "probed"; fetch?: string; read?: string }
  | { type: "reconfigured"; result: ReloadResult }
  | { type: "handed-over" }
  /** `POST /v1/admin/reload` arrived: only the main thread can re-read `.env` and the environment. */
  | { type: "reload-requested"; id: number };
