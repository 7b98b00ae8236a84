import assert from "node:assert/strict";
import { parseEnvText, setEnvValues, updateEnvFile } from "../../../lib/config/env_file.ts";

Deno.test("setEnvValues() replaces an existing line in place and keeps every other line", () => {
  const text = "# my keys\nOPENAI_API_KEY=sk-1\n\nexport GROQ_API_KEY=gsk\nPROXY_API_KEY=old # comment\n";
  const updated = setEnvValues(text, { PROXY_API_KEY: "new" });
  assert.equal(updated, "# my keys\nOPENAI_API_KEY=sk-1\n\nexport GROQ_API_KEY=gsk\nPROXY_API_KEY=new\n");
});

Deno.test("setEnvValues() appends missing variables and quotes values that need it", () => {
  const updated = setEnvValues("A=1", { B: "two words", C: "plain-value_1" });
  assert.equal(updated, 'A=1\nB="two words"\nC=plain-value_1\n');
  assert.deepEqual(parseEnvText(updated), { A: "1", B: "two words", C: "plain-value_1" });
});

Deno.test("updateEnvFile() creates the file with mode 0600 and keeps other lines", async () => {
  const directory = await Deno.makeTempDir();
  const path = `${directory}/.env`;
  await Deno.writeTextFile(path, "# comment\nOPENAI_API_KEY=sk-x\n", { mode: 0o644 });
  await updateEnvFile(path, { PROXY_API_KEY: "sk-proxy-1" });
  assert.equal(await Deno.readTextFile(path), "# comment\nOPENAI_API_KEY=sk-x\nPROXY_API_KEY=sk-proxy-1\n");
  if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  const leftovers = [...Deno.readDirSync(directory)].map((entry) => entry.name);
  assert.deepEqual(leftovers, [".env"]);
  await Deno.remove(directory, { recursive: true });
});

Deno.test("setEnvValues() removes a variable given null, with every copy of its line, and keeps comments", () => {
  const text = "# keys\nA=1\nB=2 # old\nexport B=3\nC=4\n";
  assert.equal(setEnvValues(text, { B: null, D: null }), "# keys\nA=1\nC=4\n");
  assert.equal(setEnvValues("A=1\n", { A: null }), "");
});

Deno.test("setEnvValues() writes a replaced variable once even when the file had it twice", () => {
  assert.equal(setEnvValues("A=1\nB=2\nA=3\n", { A: "9" }), "A=9\nB=2\n");
});
