import assert from "node:assert/strict";
import { createLogger } from "../../../lib/log/logger.ts";
import { redactBody, redactHeaders, redactText, redactUrl } from "../../../lib/log/redaction.ts";

const logger = createLogger("error", () => {});
logger.addSecrets(["sk-configured-secret-1234567890", "ya29.oauth-token-abcdefghijkl"]);
const scrub = logger.redact;

Deno.test("redactHeaders() masks credential headers and scrubs known secrets elsewhere", () => {
  const headers = new Headers({
    authorization: "Bearer sk-proxy-client-key-0000000001",
    "x-api-key": "sk-ant-0000000000000000002",
    "x-goog-api-key": "AIzaSy00000000000000000003",
    cookie: "session=0000000000000000004",
    "x-other": "has sk-configured-secret-1234567890 inside",
  });
  const redacted = redactHeaders(headers, scrub);
  assert.equal(redacted.authorization, "Bearer …0001");
  assert.equal(redacted["x-api-key"], "…0002");
  assert.equal(redacted["x-goog-api-key"], "…0003");
  assert.equal(redacted.cookie, "…0004");
  assert.equal(redacted["x-other"], "has …7890 inside");
});

Deno.test("redactBody() replaces credential fields at any depth and scrubs known secrets", () => {
  const body = JSON.stringify({
    model: "x",
    api_key: "sk-client-sent-key-123456789",
    nested: [{ refreshToken: "r-token-0000000000000", text: "ya29.oauth-token-abcdefghijkl" }],
  });
  const redacted = JSON.parse(redactBody(body, scrub));
  assert.equal(redacted.api_key, "[redacted]");
  assert.equal(redacted.nested[0].refreshToken, "[redacted]");
  assert.equal(redacted.nested[0].text, "…ijkl");
  // Not JSON (a stream chunk cut mid-object): pairs and known secrets still go.
  const chunk = 'data: {"api_key": "sk-leak-in-a-chunk-0000", "x": "sk-configured-secret-1234567890"';
  const text = redactText(chunk, scrub);
  assert.doesNotMatch(text, /sk-leak-in-a-chunk|sk-configured-secret/);
});

Deno.test("redactUrl() masks key query parameters", () => {
  const url = redactUrl(
    "https://example.test/v1beta/models/x:generateContent?key=AIzaSyAAAAAAAAAAAAAAAA9999&alt=sse",
    scrub,
  );
  assert.doesNotMatch(url, /AIzaSyAAAA/);
  assert.match(url, /alt=sse/);
});
