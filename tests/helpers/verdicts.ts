/** Failure verdicts for tests of the key pool, built by the real policy from a class and a reset time. */
import { UpstreamError } from "../../lib/errors.ts";
import { classifyFailure, type FailureClass, type FailureVerdict } from "../../lib/rotator/failure.ts";

/** The status (and body) that the policy reads as each class. */
const SAMPLES: Record<
  FailureClass,
  { kind: "http" | "connection" | "timeout"; status?: number; body?: string }
> = {
  client_error: { kind: "http", status: 400 },
  context_length: { kind: "http", status: 400, body: "maximum context length exceeded" },
  auth: { kind: "http", status: 401 },
  rate_limit: { kind: "http", status: 429 },
  quota_exhausted: { kind: "http", status: 402 },
  server_error: { kind: "http", status: 500 },
  connection: { kind: "connection" },
  timeout: { kind: "timeout" },
};

/** The verdict the policy gives a failure of `failureClass`, with `resetAtMs` as the upstream's reset. */
export function classifiedAs(failureClass: FailureClass, resetAtMs: number | null = null): FailureVerdict {
  const sample = SAMPLES[failureClass];
  const nowMs = 0;
  const headers = new Headers();
  const error = new UpstreamError("sample", { provider: "test", headers, ...sample });
  const verdict = classifyFailure(error, nowMs);
  if (verdict.failureClass !== failureClass) {
    throw new Error(`sample of ${failureClass} read as ${verdict.failureClass}`);
  }
  if (resetAtMs === null) return verdict;
  // With a reset time, the policy decides as it does for an upstream that named one.
  const withReset = classifyFailure(
    new UpstreamError("sample", {
      provider: "test",
      ...sample,
      headers: new Headers({ "retry-after-ms": "1000" }),
    }),
    nowMs,
  );
  return { ...withReset, failureClass, resetAtMs };
}
