import assert from "node:assert/strict";
import { cleanSchemaForGemini } from "../../../../lib/formats/gemini/schema_cleaning.ts";

/** What an object without properties becomes below the root. */
const JSON_OBJECT = { type: "string", description: "A JSON-encoded object." };

Deno.test("cleanSchemaForGemini() drops the keywords Gemini's Schema has no field for", () => {
  const schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://example.com/tool.json",
    title: "Arguments",
    type: "object",
    additionalProperties: false,
    unevaluatedProperties: false,
    patternProperties: { "^x-": { type: "string" } },
    properties: {
      path: {
        type: "string",
        description: "File to read",
        default: "README.md",
        examples: ["a.txt"],
        minLength: 1,
        maxLength: 4096,
        pattern: "^[^\\0]+$",
        $comment: "no NUL bytes",
      },
      limit: { type: "integer", minimum: 1, maximum: 500, exclusiveMinimum: true, multipleOf: 1 },
      offset: { type: "number", exclusiveMinimum: 0 },
      tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 8, uniqueItems: true },
    },
    required: ["path"],
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    title: "Arguments",
    type: "object",
    properties: {
      path: {
        type: "string",
        description: "File to read",
        minLength: 1,
        maxLength: 4096,
        pattern: "^[^\\0]+$",
      },
      limit: { type: "integer", minimum: 1, maximum: 500 },
      offset: { type: "number" },
      tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 8 },
    },
    required: ["path"],
  });
});

Deno.test("cleanSchemaForGemini() does not mutate its input", () => {
  const schema = {
    type: "object",
    $defs: { Unit: { type: "string", enum: ["c", "f"] } },
    properties: { unit: { $ref: "#/$defs/Unit" }, note: { type: ["string", "null"] } },
    required: ["unit", "missing"],
  };
  const copy = structuredClone(schema);
  cleanSchemaForGemini(schema);
  assert.deepEqual(schema, copy);
});

Deno.test("cleanSchemaForGemini() inlines $defs and definitions references, nested ones too", () => {
  const schema = {
    type: "object",
    properties: {
      from: { $ref: "#/$defs/Address", description: "Sender" },
      to: { $ref: "#/definitions/Address" },
      items: { type: "array", items: { $ref: "#/$defs/Line" } },
    },
    $defs: {
      Address: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      Line: { type: "object", properties: { sku: { type: "string" }, price: { $ref: "#/$defs/Money" } } },
      Money: { type: "number", format: "double", title: "Money" },
    },
    definitions: { Address: { type: "object", properties: { zip: { type: "string" } } } },
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    type: "object",
    properties: {
      from: {
        type: "object",
        description: "Sender",
        properties: { city: { type: "string" } },
        required: ["city"],
      },
      to: { type: "object", properties: { zip: { type: "string" } } },
      items: {
        type: "array",
        items: {
          type: "object",
          properties: {
            sku: { type: "string" },
            price: { type: "number", format: "double", title: "Money" },
          },
        },
      },
    },
  });
});

Deno.test("cleanSchemaForGemini() turns a cyclic reference into a JSON-encoded object", () => {
  const schema = {
    type: "object",
    properties: { root: { $ref: "#/$defs/Node" } },
    $defs: {
      Node: {
        type: "object",
        properties: {
          name: { type: "string" },
          children: { type: "array", items: { $ref: "#/$defs/Node" } },
          parent: { $ref: "#/$defs/Node", description: "Up" },
        },
      },
    },
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    type: "object",
    properties: {
      root: {
        type: "object",
        properties: {
          name: { type: "string" },
          children: { type: "array", items: { type: "string", description: "A JSON-encoded object." } },
          parent: { type: "string", description: "Up\nA JSON-encoded object." },
        },
      },
    },
  });
  // A reference to the root is a cycle at once; an unknown or remote one cannot be inlined either.
  assert.deepEqual(
    cleanSchemaForGemini({
      type: "object",
      properties: { self: { $ref: "#" }, gone: { $ref: "#/$defs/Nope" }, far: { $ref: "https://x/y.json" } },
    }),
    {
      type: "object",
      properties: { self: JSON_OBJECT, gone: JSON_OBJECT, far: JSON_OBJECT },
    },
  );
});

Deno.test("cleanSchemaForGemini() turns nullable unions into the type plus nullable", () => {
  const schema = {
    type: "object",
    properties: {
      a: { type: ["string", "null"], description: "A" },
      b: { anyOf: [{ type: "integer", minimum: 0 }, { type: "null" }], description: "B" },
      c: { oneOf: [{ type: "null" }, { $ref: "#/$defs/Point" }] },
      d: { anyOf: [{ type: "string" }, { type: "number" }, { type: "null" }] },
      e: { type: ["string", "integer"], minLength: 2, minimum: 3 },
      f: { type: "string", nullable: true },
    },
    $defs: { Point: { type: "object", properties: { x: { type: "number" } } } },
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    type: "object",
    properties: {
      a: { type: "string", description: "A", nullable: true },
      b: { type: "integer", minimum: 0, description: "B", nullable: true },
      c: { type: "object", properties: { x: { type: "number" } }, nullable: true },
      d: { anyOf: [{ type: "string" }, { type: "number" }], nullable: true },
      e: { anyOf: [{ type: "string", minLength: 2 }, { type: "integer", minimum: 3 }] },
      f: { type: "string", nullable: true },
    },
  });
});

Deno.test("cleanSchemaForGemini() turns const into a one-value string enum and keeps enums as strings", () => {
  const schema = {
    type: "object",
    properties: {
      kind: { const: "circle" },
      mode: { type: "string", enum: ["fast", "slow"] },
      mixed: { enum: ["auto", 1, true, null] },
      level: { type: "integer", enum: [0, 1, 2], description: "Safe search" },
      flag: { const: true },
      color: { type: "string", format: "enum", enum: ["red"] },
    },
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    type: "object",
    properties: {
      kind: { type: "string", enum: ["circle"] },
      mode: { type: "string", enum: ["fast", "slow"] },
      mixed: { type: "string", enum: ["auto", "1", "true"], nullable: true },
      // Gemini takes enum on strings only: a number keeps its type, its values go to the description.
      level: { type: "integer", description: "Safe search\nAllowed values: 0, 1, 2" },
      flag: { type: "boolean", description: "Allowed values: true" },
      color: { type: "string", format: "enum", enum: ["red"] },
    },
  });
});

Deno.test("cleanSchemaForGemini() prunes required to the properties present", () => {
  const schema = {
    type: "object",
    properties: { a: { type: "string" }, b: { type: "object", properties: {}, required: ["x"] } },
    required: ["a", "ghost", "a", "b"],
    propertyOrdering: ["b", "zzz", "a"],
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    type: "object",
    // An object without properties is written as JSON in a string; its `required` goes.
    properties: { a: { type: "string" }, b: JSON_OBJECT },
    required: ["a", "b"],
    propertyOrdering: ["b", "a"],
  });
});

Deno.test("cleanSchemaForGemini() merges allOf, keeps only supported formats, fills missing items", () => {
  const schema = {
    type: "object",
    allOf: [
      { $ref: "#/$defs/Base" },
      { properties: { extra: { type: "boolean" } }, required: ["extra"] },
    ],
    properties: {
      when: { type: "string", format: "date-time" },
      mail: { type: "string", format: "email" },
      ratio: { type: "number", format: "float" },
      count: { type: "integer", format: "int64" },
      uuid: { type: "integer", format: "uuid" },
      list: { type: "array" },
      pair: { type: "array", items: [{ type: "string" }, { type: "number" }] },
      guess: { properties: { q: { type: "string" } } },
    },
    required: ["id", "when"],
    $defs: { Base: { type: "object", properties: { id: { type: "string" } } } },
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    type: "object",
    properties: {
      when: { type: "string", format: "date-time" },
      mail: { type: "string" },
      ratio: { type: "number", format: "float" },
      count: { type: "integer", format: "int64" },
      uuid: { type: "integer" },
      list: { type: "array", items: { type: "string" } },
      pair: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
      guess: { type: "object", properties: { q: { type: "string" } } },
      id: { type: "string" },
      extra: { type: "boolean" },
    },
    required: ["id", "when", "extra"],
  });
});

Deno.test("cleanSchemaForGemini() keeps an object type for empty, missing or untyped roots", () => {
  assert.deepEqual(cleanSchemaForGemini({ type: "object", properties: {} }), { type: "object" });
  assert.deepEqual(cleanSchemaForGemini(undefined), { type: "object" });
  assert.deepEqual(cleanSchemaForGemini({ additionalProperties: true }), { type: "object" });
  assert.deepEqual(cleanSchemaForGemini({ properties: { a: { type: "string" } } }), {
    type: "object",
    properties: { a: { type: "string" } },
  });
});

Deno.test("cleanSchemaForGemini() types untyped nodes and empty items as strings, keeping descriptions", () => {
  const schema = {
    type: "object",
    properties: {
      value: { description: "any JSON value" },
      anything: {},
      list: { type: "array", items: {} },
      bounded: { minimum: 1, minItems: 2 },
      either: { anyOf: [{ type: "integer" }, { description: "or anything" }] },
      maybe: { anyOf: [{}, { type: "null" }] },
    },
    required: ["value"],
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    type: "object",
    properties: {
      value: { type: "string", description: "any JSON value" },
      anything: { type: "string" },
      list: { type: "array", items: { type: "string" } },
      bounded: { type: "string" },
      either: { anyOf: [{ type: "integer" }, { type: "string", description: "or anything" }] },
      maybe: { type: "string", nullable: true },
    },
    required: ["value"],
  });
});

Deno.test("cleanSchemaForGemini() writes objects without properties as JSON-encoded strings below the root", () => {
  const schema = {
    type: "object",
    properties: {
      metadata: {
        type: "object",
        additionalProperties: true,
        description: "Free-form tags",
        minProperties: 1,
      },
      labels: { type: "object", additionalProperties: { type: "string" }, title: "Labels" },
      empty: { type: "object", properties: {} },
      optional: { type: ["object", "null"] },
      rows: { type: "array", items: { type: "object" } },
      mixed: { type: ["object", "string"] },
    },
  };
  assert.deepEqual(cleanSchemaForGemini(schema), {
    type: "object",
    properties: {
      metadata: { type: "string", description: "Free-form tags\nA JSON-encoded object." },
      labels: { type: "string", title: "Labels", description: "A JSON-encoded object." },
      empty: JSON_OBJECT,
      optional: { ...JSON_OBJECT, nullable: true },
      rows: { type: "array", items: JSON_OBJECT },
      // A JSON-encoded object could not be told from a string the client meant (jsonEncodedPaths).
      mixed: { anyOf: [{ type: "string" }, { type: "string" }] },
    },
  });
  // The root stays an object without properties, which the request leaves out as `parameters`.
  assert.deepEqual(cleanSchemaForGemini({ type: "object", additionalProperties: true }), { type: "object" });
});
