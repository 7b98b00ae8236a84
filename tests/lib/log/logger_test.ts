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

/** Runs `code` in a fresh Deno with the logger imported as `logger`; returns what it wrote. */
async function runWithConsoleSink(code: string): Promise<{ stdout: string; stderr: string }> {
  const url = new URL("../../../lib/log/logger.ts", import.meta.url).href;
  const script = `import * as logger from ${JSON.stringify(url)};\n${code}`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

Deno.test("consoleSink holds info lines and writes them together, before any warning and at exit", async () => {
  const { stdout, stderr } = await runWithConsoleSink(`
    const sink = logger.consoleSink;
    sink("info", "one");
    sink("info", "two");
    // Nothing written yet: the lines wait for the flush (a warning, the timer, the buffer or the exit).
    await Deno.stdout.write(new TextEncoder().encode("marker\\n"));
    sink("warn", "careful");
    sink("info", "three");
    logger.flushConsole();
    sink("debug", "four");
    Deno.exit(0);
  `);
  assert.equal(stdout, "marker\none\ntwo\nthree\nfour\n");
  assert.equal(stderr, "careful\n");
});

Deno.test("consoleSink writes held lines after CONSOLE_FLUSH_MS without any other trigger", async () => {
  const { stdout } = await runWithConsoleSink(`
    logger.consoleSink("info", "late");
    // A timer that keeps the process alive past the flush (the sink's own timer does not).
    await new Promise((resolve) => setTimeout(resolve, logger.CONSOLE_FLUSH_MS * 10));
    await Deno.stdout.write(new TextEncoder().encode("after\\n"));
  `);
  assert.equal(stdout, "late\nafter\n");
});
