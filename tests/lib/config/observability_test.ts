import assert from "node:assert/strict";
import { parseObservabilitySettings } from "../../../lib/config/observability.ts";
import { ConfigError } from "../../../lib/errors.ts";

Deno.test("parseObservabilitySettings() has quiet defaults and reads both logging switch names", () => {
  assert.deepEqual(parseObservabilitySettings({}), {
    logFormat: "text",
    requestLogging: false,
    rawLogging: false,
    logMaxBytes: 10 * 1024 * 1024,
    logKeep: 5,
    metricsPort: null,
  });
  const set = parseObservabilitySettings({
    PROXY_LOG_FORMAT: "JSON",
    ENABLE_REQUEST_LOGGING: "true",
    RAW_LOGGING: "1",
    LOG_MAX_MB: "0.5",
    LOG_KEEP: "0",
    METRICS_PORT: "9464",
  });
  assert.equal(set.logFormat, "json");
  assert.equal(set.requestLogging, true);
  assert.equal(set.rawLogging, true);
  assert.equal(set.logMaxBytes, 512 * 1024);
  assert.equal(set.logKeep, 0);
  assert.equal(set.metricsPort, 9464);
});

Deno.test("parseObservabilitySettings() names a bad variable", () => {
  for (const [name, value] of [["PROXY_LOG_FORMAT", "xml"], ["LOG_MAX_MB", "0"], ["METRICS_PORT", "70000"]]) {
    assert.throws(
      () => parseObservabilitySettings({ [name]: value }),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${name}:`),
    );
  }
});
