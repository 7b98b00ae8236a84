import assert from "node:assert/strict";
import { UpstreamError } from "../../../lib/errors.ts";
import { classifyFailure } from "../../../lib/rotator/failure.ts";
import { refineVerdict } from "../../../lib/rotator/vendor_failure.ts";

const nowMs = Date.UTC(2026, 11, 3, 12);
const verdictOf = (status: number, body: string) =>
  classifyFailure(new UpstreamError(String(status), { kind: "http", provider: "p", status, body }), nowMs);

Deno.test("refineVerdict(): a stated usage-limit reset rests the credential until then and moves on", () => {
  const verdict = refineVerdict(verdictOf(429, '{"error":{"type":"usage_limit_reached"}}'), {
    resetAtMs: nowMs + 3_600_000,
  }, nowMs);
  assert.equal(verdict.failureClass, "quota_exhausted");
  assert.equal(verdict.cooldown, "until_reset");
  assert.equal(verdict.resetAtMs, nowMs + 3_600_000);
  assert.equal(verdict.next, "other_key");
});

Deno.test("refineVerdict(): a model busy for everyone does not rest the credential", () => {
  const base = verdictOf(503, '{"error":{"code":503,"status":"UNAVAILABLE"}}');
  const verdict = refineVerdict(base, { providerBusy: true }, nowMs);
  assert.equal(verdict.cooldown, "none");
  assert.equal(verdict.backoff, true);
  assert.equal(refineVerdict(base, null, nowMs), base);
});
