import assert from "node:assert/strict";
import { RotatingFile } from "../../../lib/log/rotating_file.ts";

Deno.test("RotatingFile.append() rotates at the size cap and keeps only `keep` old files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rotating-test-" });
  try {
    const file = new RotatingFile(`${dir}/failures.jsonl`, { maxBytes: 100, keep: 2 });
    for (let index = 0; index < 10; index++) await file.append(`${String(index).repeat(39)}\n`);
    const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.deepEqual(names, ["failures.jsonl", "failures.jsonl.1", "failures.jsonl.2"]);
    for (const name of names) assert.ok(Deno.statSync(`${dir}/${name}`).size <= 100, name);
    // 40-byte lines, 100-byte cap: two lines a file, the newest last.
    assert.equal(Deno.readTextFileSync(`${dir}/failures.jsonl`), `${"8".repeat(39)}\n${"9".repeat(39)}\n`);
    assert.equal(Deno.readTextFileSync(`${dir}/failures.jsonl.1`), `${"6".repeat(39)}\n${"7".repeat(39)}\n`);
    assert.equal(Deno.readTextFileSync(`${dir}/failures.jsonl.2`), `${"4".repeat(39)}\n${"5".repeat(39)}\n`);
    assert.equal(Deno.statSync(`${dir}/failures.jsonl`).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RotatingFile.append() reports a failing write once and never throws", async () => {
  const errors: unknown[] = [];
  const file = new RotatingFile("/nonexistent-dir-for-test/x.log", {
    maxBytes: 10,
    keep: 1,
    onError: (error) => errors.push(error),
  });
  await file.append("a\n");
  await file.append("b\n");
  assert.equal(errors.length, 1);
});
