import assert from "node:assert/strict";
import { createLogger } from "../../../lib/log/logger.ts";
import { runInRequest } from "../../../lib/log/request_context.ts";

Deno.test("createLogger() names the current request on every line, in text and JSON formats", async () => {
  const lines: string[] = [];
  const text = createLogger("info", (_level, line) => lines.push(line));
  text.info("outside");
  await runInRequest("req-1", async () => {
    await Promise.resolve();
    text.warn("inside");
  });
  assert.doesNotMatch(lines[0], /id=/);
  assert.match(lines[1], /WARN {2}inside id=req-1$/);

  const json: string[] = [];
  const shipper = createLogger("info", (_level, line) => json.push(line), { format: "json" });
  shipper.addSecrets(["sk-secret-value-123456"]);
  runInRequest("req\n2", () => shipper.error("bad sk-secret-value-123456\nsecond line"));
  assert.equal(json.length, 1);
  const parsed = JSON.parse(json[0]);
  assert.equal(parsed.level, "error");
  assert.equal(parsed.message, "bad …3456\nsecond line");
  // A client's request id cannot break the line.
  assert.equal(parsed.request_id, "req?2");
  assert.ok(!Number.isNaN(Date.parse(parsed.time)));
});
