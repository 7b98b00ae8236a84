import assert from "node:assert/strict";
import { setEnvValues } from "../../../lib/config/env_file.ts";
import {
  applyStaged,
  diffStaged,
  NO_CHANGES,
  renderChanges,
  stageChange,
  toEnvUpdate,
} from "../../../lib/config/staged_settings.ts";

const CURRENT = {
  ROTATION_MODE_OPENAI: "balanced",
  IGNORE_MODELS_OPENAI: "dall-e-*",
  OPENAI_API_KEY: "sk-0123456789abcd",
};

Deno.test("stageChange() stages additions, changes and removals, and un-stages a change back", () => {
  let staged = stageChange(NO_CHANGES, { name: "ROTATION_MODE_OPENAI", value: "sequential" }, CURRENT);
  staged = stageChange(staged, { name: "MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI", value: " 4 " }, CURRENT);
  staged = stageChange(staged, { name: "IGNORE_MODELS_OPENAI", value: "" }, CURRENT);
  assert.deepEqual([...staged], [
    ["ROTATION_MODE_OPENAI", "sequential"],
    ["MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI", "4"],
    ["IGNORE_MODELS_OPENAI", null],
  ]);
  staged = stageChange(staged, { name: "ROTATION_MODE_OPENAI", value: "balanced" }, CURRENT);
  assert.equal(staged.has("ROTATION_MODE_OPENAI"), false, "back to the current value is no change");
  assert.equal(NO_CHANGES.size, 0, "the input is not modified");
});

Deno.test("applyStaged() and diffStaged() show the variables after Save and each change sorted", () => {
  const staged = new Map([["B_NEW", "1"], ["IGNORE_MODELS_OPENAI", null], [
    "ROTATION_MODE_OPENAI",
    "sequential",
  ]]);
  assert.deepEqual(applyStaged(CURRENT, staged), {
    ROTATION_MODE_OPENAI: "sequential",
    OPENAI_API_KEY: "sk-0123456789abcd",
    B_NEW: "1",
  });
  assert.deepEqual(renderChanges(diffStaged(CURRENT, staged)), [
    "+ B_NEW=1",
    "- IGNORE_MODELS_OPENAI=dall-e-*",
    "~ ROTATION_MODE_OPENAI: balanced → sequential",
  ]);
});

Deno.test("renderChanges() masks secrets", () => {
  const lines = renderChanges(diffStaged(CURRENT, new Map([["OPENAI_API_KEY", "sk-new-secret-99999"]])));
  assert.deepEqual(lines, ["~ OPENAI_API_KEY: …abcd → …9999"]);
});

Deno.test("toEnvUpdate() saves staged changes into .env text, removals included", () => {
  const staged = new Map<string, string | null>([["IGNORE_MODELS_OPENAI", null], [
    "ROTATION_MODE_OPENAI",
    "sequential",
  ]]);
  const text = "# rotation\nROTATION_MODE_OPENAI=balanced\nIGNORE_MODELS_OPENAI=dall-e-*\n";
  assert.equal(setEnvValues(text, toEnvUpdate(staged)), "# rotation\nROTATION_MODE_OPENAI=sequential\n");
});
