import assert from "node:assert/strict";
import { createLogger, logValue } from "../../../lib/log/mod.ts";

Deno.test("logValue() escapes line breaks, escape codes and backslashes", () => {
  assert.equal(logValue("a\r\nb\u001b[31mc\\d\u2028"), "a\\r\\nb\\x1b[31mc\\\\d\\u2028");
  assert.equal(logValue("openai/gpt-4o"), "openai/gpt-4o");
});

Deno.test("logValue() cuts long values and says how long they were", () => {
  const cut = logValue("x".repeat(5000), { maxLength: 10 });
  assert.equal(cut, "xxxxxxxxxx…(5000 chars)");
});

Deno.test("Logger.redact() masks every registered secret", () => {
  const logger = createLogger("error", () => {});
  logger.addSecrets(["sk-secret-0123456789abcd", "short"]);
  assert.equal(logger.redact("key sk-secret-0123456789abcd and short"), "key …abcd and short");
});
