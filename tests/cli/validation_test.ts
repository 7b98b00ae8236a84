import assert from "node:assert/strict";
import {
  validateAliasTargets,
  validateKey,
  validateModelList,
  validateName,
  validatePort,
  validateUrl,
} from "../../cli/validation.ts";

Deno.test("validatePort() accepts 1-65535 only", () => {
  assert.equal(validatePort("8000"), undefined);
  assert.equal(validatePort("65535"), undefined);
  for (const bad of ["0", "65536", "80a", "", "-1"]) assert.ok(validatePort(bad), bad);
});

Deno.test("validateUrl(), validateKey(), validateName() explain what is wrong", () => {
  assert.equal(validateUrl("http://127.0.0.1:1234/v1"), undefined);
  assert.ok(validateUrl("127.0.0.1:1234"));
  assert.ok(validateUrl("ftp://host"));
  assert.equal(validateKey(" sk-abc "), undefined);
  assert.ok(validateKey("   "));
  assert.ok(validateKey("two words"));
  assert.equal(validateName("my_local2"), undefined);
  for (const bad of ["my-local", "2local", "", "proxy", "name_api", "x_api_base", "trailing_"]) {
    assert.ok(validateName(bad), bad);
  }
});

Deno.test("validateModelList() and validateAliasTargets() check comma lists", () => {
  assert.equal(validateModelList(""), undefined);
  assert.equal(validateModelList("a, b-*,c"), undefined);
  assert.ok(validateModelList("a,,b"));
  assert.equal(validateAliasTargets("openai/gpt-4o, groq/llama/3"), undefined);
  assert.match(validateAliasTargets("openai/gpt-4o,gpt-4o")!, /"gpt-4o" is not provider\/model/);
});
