import assert from "node:assert/strict";
import { failureLogObserver } from "../../../lib/log/failure_log.ts";
import { createLogger } from "../../../lib/log/logger.ts";
import { RotatingFile } from "../../../lib/log/rotating_file.ts";
import { EventHub } from "../../../lib/rotator/events.ts";

Deno.test("failureLogObserver() writes one redacted, truncated line per failed attempt", async () => {
  const dir = await Deno.makeTempDir({ prefix: "failures-test-" });
  try {
    const logger = createLogger("error", () => {});
    logger.addSecrets(["sk-upstream-key-000000000042"]);
    const file = new RotatingFile(`${dir}/failures.jsonl`, { maxBytes: 1_000_000, keep: 1 });
    const hub = new EventHub({ schedule: () => {} });
    hub.subscribe(failureLogObserver(file, { scrub: logger.redact }));
    const facts = {
      requestId: "r1",
      frontDoor: "openai" as const,
      provider: "openai",
      model: "gpt-4o",
      credentialId: "id",
      credentialLabel: "…0042",
      attempt: 1,
      stream: true,
    };
    hub.emit({ type: "attempt-start", atMs: 0, ...facts });
    hub.emit({
      type: "attempt-end",
      atMs: 1_000,
      ...facts,
      outcome: "failure",
      status: 401,
      failureClass: "auth",
      error: `401 auth rejected ${"x".repeat(5_000)}`,
      body: '{"error":{"message":"Incorrect API key provided: sk-upstream-key-000000000042"}}',
      durationMs: 12.3,
    });
    hub.emit({ type: "attempt-end", atMs: 2_000, ...facts, attempt: 2, outcome: "success", durationMs: 5 });
    hub.flush();
    await file.flush();
    const lines = Deno.readTextFileSync(`${dir}/failures.jsonl`).trim().split("\n");
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]);
    assert.equal(line.status, 401);
    assert.equal(line.failure_class, "auth");
    assert.equal(line.key, "…0042");
    assert.equal(line.provider, "openai");
    assert.equal(line.request_id, "r1");
    assert.ok(line.error.length < 2_100);
    assert.match(line.body, /Incorrect API key provided: …0042/);
    assert.doesNotMatch(lines[0], /sk-upstream-key-000000000042/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
