import assert from "node:assert/strict";
import { RequestError } from "../../../../lib/errors.ts";
import {
  cleanSchemaForGemini,
  MAX_SCHEMA_DEPTH,
  MAX_SCHEMA_NODES,
} from "../../../../lib/formats/gemini/schema_cleaning.ts";

function nested(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: "string" };
  for (let level = 0; level < depth; level++) schema = { type: "object", properties: { a: schema } };
  return schema;
}

const refused = (error: unknown) =>
  error instanceof RequestError && error.status === 400 && error.param === "tools";

Deno.test("cleanSchemaForGemini() cleans a schema up to its depth limit and refuses a deeper one with a 400", () => {
  assert.doesNotThrow(() => cleanSchemaForGemini(nested(MAX_SCHEMA_DEPTH - 2)));
  assert.throws(() => cleanSchemaForGemini(nested(MAX_SCHEMA_DEPTH + 1)), refused);
});

Deno.test("cleanSchemaForGemini() refuses $refs that multiply into too many nodes", () => {
  // Each level refers to the next twice: 2^30 nodes once inlined, from a schema of 30 definitions.
  const definitions: Record<string, unknown> = { d30: { type: "string" } };
  for (let level = 29; level >= 0; level--) {
    definitions[`d${level}`] = {
      type: "object",
      properties: { left: { $ref: `#/$defs/d${level + 1}` }, right: { $ref: `#/$defs/d${level + 1}` } },
    };
  }
  const started = performance.now();
  assert.throws(() => cleanSchemaForGemini({ $ref: "#/$defs/d0", $defs: definitions }), refused);
  assert.ok(performance.now() - started < 5_000);
  assert.ok(MAX_SCHEMA_NODES >= 10_000);
});
