import assert from "node:assert/strict";
import { CODECS } from "../../../lib/formats/mod.ts";
import { overrideTemperatureZeroAt } from "../../../lib/formats/temperature.ts";

Deno.test("overrideTemperatureZeroAt() removes or raises temperature 0 only, where the format keeps it", () => {
  const top = ["temperature"];
  assert.deepEqual(overrideTemperatureZeroAt({ temperature: 0, a: 1 }, top, "remove"), { a: 1 });
  assert.deepEqual(overrideTemperatureZeroAt({ temperature: 0 }, top, "set"), { temperature: 1 });
  assert.deepEqual(overrideTemperatureZeroAt({ temperature: 0.2 }, top, "remove"), { temperature: 0.2 });
  assert.deepEqual(overrideTemperatureZeroAt({ temperature: 0 }, top, "keep"), { temperature: 0 });
  const nested = ["generationConfig", "temperature"];
  assert.deepEqual(
    overrideTemperatureZeroAt({ generationConfig: { temperature: 0, topK: 3 } }, nested, "remove"),
    {
      generationConfig: { topK: 3 },
    },
  );
  const untouched = { generationConfig: "odd" };
  assert.equal(overrideTemperatureZeroAt(untouched, nested, "set"), untouched);
});

Deno.test("each codec's overrideTemperatureZero() changes its own body only", () => {
  assert.deepEqual(
    CODECS.gemini.overrideTemperatureZero({ generationConfig: { temperature: 0 } }, "remove"),
    {
      generationConfig: {},
    },
  );
  // A Gemini body has no top-level temperature, and an OpenAI body no generationConfig.
  assert.deepEqual(CODECS.gemini.overrideTemperatureZero({ temperature: 0 }, "remove"), { temperature: 0 });
  assert.deepEqual(
    CODECS.openai.overrideTemperatureZero({ generationConfig: { temperature: 0 } }, "remove"),
    {
      generationConfig: { temperature: 0 },
    },
  );
  assert.deepEqual(CODECS.anthropic.overrideTemperatureZero({ temperature: 0 }, "set"), { temperature: 1 });
});
