import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../lib/formats/canonical.ts";
import { countInputTokens } from "../../../lib/formats/token_count.ts";

const base: CanonicalRequest = { model: "m", system: [], messages: [], tools: [], stream: false };

Deno.test("countInputTokens() grows with text, tools and images", async () => {
  const hello = await countInputTokens({
    ...base,
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
  });
  assert.equal(hello, 4 + 1);
  const longer = await countInputTokens({
    ...base,
    system: [{ type: "text", text: "You are a helpful assistant." }],
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
  });
  assert.ok(longer > hello);
  const withImage = await countInputTokens({
    ...base,
    messages: [{
      role: "user",
      content: [{ type: "image", source: { kind: "url", url: "https://x/y.png" } }],
    }],
  });
  assert.equal(withImage, 4 + 1_600);
  const withTool = await countInputTokens({
    ...base,
    tools: [{ name: "get_weather", description: "Weather", inputSchema: { type: "object" } }],
  });
  assert.ok(withTool > 8);
});
