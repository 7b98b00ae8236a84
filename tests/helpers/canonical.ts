/** Building canonical requests and checking translation refusals in format tests. */
import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../lib/formats/canonical.ts";
import { RequestError } from "../../lib/errors.ts";

/** An empty canonical request for `model`, with `overrides`. */
export function canonicalRequest(
  model: string,
  overrides: Partial<CanonicalRequest> = {},
): CanonicalRequest {
  return { model, system: [], messages: [], tools: [], stream: false, ...overrides };
}

/** `run` throws a 400 {@link RequestError} with exactly `message`, naming `param`. */
export function assertRequestError(run: () => unknown, message: string, param: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof RequestError);
    assert.equal(error.status, 400);
    assert.equal(error.message, message);
    assert.equal(error.param, param);
    return true;
  });
}
