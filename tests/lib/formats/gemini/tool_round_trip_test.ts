import assert from "node:assert/strict";
import type { CanonicalRequest, CanonicalTool, StreamPart } from "../../../../lib/formats/canonical.ts";
import { providerCodec } from "../../../../lib/formats/mod.ts";
import { geminiFunctionNames, isGeminiFunctionName } from "../../../../lib/formats/gemini/function_names.ts";
import { canonicalToGeminiRequest } from "../../../../lib/formats/gemini/request.ts";
import { geminiResponseToCanonical } from "../../../../lib/formats/gemini/response.ts";
import {
  ANY_ITEM,
  cleanSchemaForGemini,
  jsonEncodedPaths,
} from "../../../../lib/formats/gemini/schema_cleaning.ts";
import { geminiChunksToParts } from "../../../../lib/formats/gemini/stream.ts";
import { decodeJsonEncoded, geminiToolMapping } from "../../../../lib/formats/gemini/tool_mapping.ts";
import { canonicalRequest } from "../../../helpers/canonical.ts";

/** An MCP tool name as Claude Code writes it: 71 characters, over Gemini's 64. */
const MCP_NAME = "mcp__github_enterprise_server__create_pull_request_review_comment_reply";

/** What zod's `z.toJSONSchema()` writes for `z.object({ labels: z.record(...), tree: <z.lazy node> })`. */
const ZOD_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    title: { type: "string" },
    labels: { type: "object", propertyNames: { type: "string" }, additionalProperties: { type: "string" } },
    tree: { $ref: "#/$defs/__schema0" },
  },
  required: ["title", "labels", "tree"],
  additionalProperties: false,
  $defs: {
    __schema0: {
      type: "object",
      properties: {
        name: { type: "string" },
        children: { type: "array", items: { $ref: "#/$defs/__schema0" } },
      },
      required: ["name", "children"],
      additionalProperties: false,
    },
  },
};

const TOOLS: CanonicalTool[] = [
  { name: MCP_NAME, description: "Reply to a review comment", inputSchema: ZOD_SCHEMA },
  { name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } } } },
];

/** The value a cleaned schema declares at an argument path. */
function schemaAt(schema: unknown, path: readonly string[]): Record<string, unknown> {
  let node = schema as Record<string, unknown>;
  for (const step of path) {
    node = (step === ANY_ITEM ? node.items : (node.properties as Record<string, unknown>)[step]) as Record<
      string,
      unknown
    >;
  }
  return node;
}

Deno.test("jsonEncodedPaths() lists the arguments cleanSchemaForGemini() declares as JSON-encoded objects", () => {
  const schema = {
    type: "object",
    properties: {
      metadata: { type: "object", additionalProperties: true },
      name: { type: "string" },
      anything: {},
      optional: { type: ["object", "null"] },
      mixed: { type: ["object", "string"] },
      rows: { type: "array", items: { type: "object", additionalProperties: { type: "number" } } },
      nested: {
        type: "object",
        properties: {
          inner: { type: "object" },
          either: { anyOf: [{ type: "object" }, { type: "integer" }] },
        },
      },
      pair: { type: "array", prefixItems: [{ type: "string" }, { type: "object" }] },
    },
  };
  const paths = jsonEncodedPaths(schema);
  // Not `mixed`, nor the items of `pair`: their unions also take a plain string.
  assert.deepEqual(paths, [
    ["metadata"],
    ["optional"],
    ["rows", ANY_ITEM],
    ["nested", "inner"],
    ["nested", "either"],
  ]);
  // The strings the cleaner tells the model hold JSON-encoded objects (union branches aside).
  const cleaned = cleanSchemaForGemini(schema);
  for (const path of [["metadata"], ["optional"], ["rows", ANY_ITEM], ["nested", "inner"]]) {
    const node = schemaAt(cleaned, path);
    assert.equal(node.type, "string");
    assert.match(String(node.description), /A JSON-encoded object\.$/, path.join("."));
  }
});

Deno.test("jsonEncodedPaths() follows a zod z.lazy() cycle to the items it encodes, and is empty for plain tools", () => {
  assert.deepEqual(jsonEncodedPaths(ZOD_SCHEMA), [["labels"], ["tree", "children", ANY_ITEM]]);
  assert.deepEqual(jsonEncodedPaths(TOOLS[1].inputSchema), []);
  // Untyped values are plain strings to the model, and a root without properties is not sent at all.
  assert.deepEqual(
    jsonEncodedPaths({ type: "object", properties: { any: {}, list: { type: "array" } } }),
    [],
  );
  assert.deepEqual(jsonEncodedPaths({ type: "object", additionalProperties: true }), []);
  assert.deepEqual(jsonEncodedPaths(undefined), []);
});

Deno.test("decodeJsonEncoded() parses JSON objects at the paths, through array items, and leaves the rest", () => {
  const args = {
    labels: '{"team":"core"}',
    tree: { name: "a", children: ['{"name":"b","children":[]}', "not json", { name: "c", children: [] }] },
    list: "[1,2]",
    scalar: "42",
    broken: "{",
    absent: undefined,
  };
  const frozen = structuredClone(args);
  const decoded = decodeJsonEncoded(args, [
    ["labels"],
    ["tree", "children", ANY_ITEM],
    ["list"],
    ["scalar"],
    ["broken"],
    ["missing", "deeper"],
  ]);
  assert.deepEqual(decoded, {
    labels: { team: "core" },
    tree: { name: "a", children: [{ name: "b", children: [] }, "not json", { name: "c", children: [] }] },
    // The paths hold objects: the text of an array is not one.
    list: "[1,2]",
    scalar: "42",
    broken: "{",
    absent: undefined,
  });
  assert.deepEqual(args, frozen);
  // Nothing to decode: the very same object.
  const plain = { labels: { team: "core" } };
  assert.equal(decodeJsonEncoded(plain, [["labels"], ["tree", "children", ANY_ITEM]]), plain);
});

/** Unions with a string branch, and what stays JSON-encoded beside them. */
const UNION_SCHEMA = {
  type: "object",
  properties: {
    v: {
      anyOf: [{ type: "object", description: "Options" }, { type: "string", description: "A preset" }],
    },
    // The object's own properties are other arguments: no string can sit at `w.inner`.
    w: {
      anyOf: [{ type: "object", properties: { inner: { type: "object" } } }, { type: "string" }],
    },
    // An enum takes only its values, none of them an object's JSON text.
    e: { anyOf: [{ type: "object" }, { enum: ["auto", "none"] }] },
    // A nested union with a string reaches up: its object is a plain string too.
    n: { anyOf: [{ anyOf: [{ type: "object" }, { type: "integer" }] }, { type: "string" }] },
  },
};

Deno.test("jsonEncodedPaths() skips an object whose union also takes a plain string, which stays a plain string", () => {
  assert.deepEqual(jsonEncodedPaths(UNION_SCHEMA), [["w", "inner"], ["e"]]);
  const cleaned = cleanSchemaForGemini(UNION_SCHEMA);
  assert.deepEqual(schemaAt(cleaned, ["v"]), {
    anyOf: [{ type: "string", description: "Options" }, { type: "string", description: "A preset" }],
  });
  assert.deepEqual(schemaAt(cleaned, ["n"]), {
    anyOf: [{ anyOf: [{ type: "string" }, { type: "integer" }] }, { type: "string" }],
  });
  const [object] = schemaAt(cleaned, ["w"]).anyOf as unknown[];
  assert.match(String(schemaAt(object, ["inner"]).description), /A JSON-encoded object\.$/);
});

Deno.test("geminiToolMapping().callFromGemini() leaves JSON-looking strings alone where the schema also takes a string", () => {
  const tools = geminiToolMapping(canonicalRequest("gemini-2.5-flash", {
    tools: [{
      name: "t",
      inputSchema: {
        type: "object",
        properties: {
          v: { anyOf: [{ type: "object" }, { type: "string" }] },
          w: { type: ["object", "string", "null"] },
          tuple: { type: "array", prefixItems: [{ type: "string" }, { type: "object" }] },
        },
      },
    }],
  }));
  for (const text of ["[1,2]", '{"a":1}']) {
    const args = { v: text, w: text, tuple: [text, text] };
    assert.deepEqual(tools.callFromGemini("t", args), { name: "t", input: args }, text);
  }
});

Deno.test("geminiToolMapping().callFromGemini() decodes an object only where the schema said object", () => {
  const tools = geminiToolMapping(canonicalRequest("gemini-2.5-flash", {
    tools: [{ name: "t", inputSchema: { type: "object", properties: { v: { type: "object" } } } }],
  }));
  assert.deepEqual(tools.callFromGemini("t", { v: '{"a":1}' }).input, { v: { a: 1 } });
  for (const text of ["[1,2]", "42", "null", '"s"', "{"]) {
    assert.deepEqual(tools.callFromGemini("t", { v: text }).input, { v: text }, text);
  }
});

Deno.test("isGeminiFunctionName() follows Gemini's rule for function names", () => {
  for (const name of ["get_weather", "_private", "ns.tool:v1-beta", "a".repeat(64)]) {
    assert.equal(isGeminiFunctionName(name), true, name);
  }
  for (const name of ["", "1tool", "-tool", "has space", "emoji🙂", "a".repeat(65), MCP_NAME]) {
    assert.equal(isGeminiFunctionName(name), false, name);
  }
});

Deno.test("geminiFunctionNames() renames refused names validly, deterministically and without collisions", () => {
  const long = `${MCP_NAME}_again`;
  const names = ["get_weather", MCP_NAME, long, "get weather", "9lives", "get_weather"];
  const mapping = geminiFunctionNames(names);
  assert.equal(mapping.toGemini("get_weather"), "get_weather");
  assert.equal(mapping.toGemini("9lives"), "_9lives");
  const renamed = names.map(mapping.toGemini);
  for (const name of renamed) assert.equal(isGeminiFunctionName(name), true, name);
  // "get weather" would become "get_weather", a name already taken: it gets a hashed one.
  assert.notEqual(mapping.toGemini("get weather"), "get_weather");
  assert.equal(new Set(renamed).size, new Set(names).size);
  // The two long names share their first 55 characters; the hash tells them apart.
  assert.ok(mapping.toGemini(MCP_NAME).startsWith(MCP_NAME.slice(0, 55)));
  assert.notEqual(mapping.toGemini(MCP_NAME), mapping.toGemini(long));
  for (const name of names) assert.equal(mapping.fromGemini(mapping.toGemini(name)), name);
  assert.equal(mapping.fromGemini("unknown_tool"), "unknown_tool");
  // The same names in any order give the same mapping.
  const again = geminiFunctionNames([...names].reverse());
  for (const name of names) assert.equal(again.toGemini(name), mapping.toGemini(name));
  // Valid names only: nothing to rename.
  assert.equal(geminiFunctionNames(["a", "b"]).toGemini("a"), "a");
});

/** A request whose history holds a call of the MCP tool and its result. */
function historyRequest(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return canonicalRequest("gemini-2.5-flash", {
    tools: TOOLS,
    toolChoice: { type: "tool", name: MCP_NAME },
    messages: [
      { role: "user", content: [{ type: "text", text: "Reply" }] },
      {
        role: "assistant",
        content: [{ type: "tool-call", id: "call_1", name: MCP_NAME, input: { title: "t" } }],
      },
      {
        role: "user",
        content: [{
          type: "tool-result",
          toolCallId: "call_1",
          content: [{ type: "text", text: "ok" }],
          isError: false,
        }],
      },
    ],
    ...overrides,
  });
}

Deno.test("canonicalToGeminiRequest() renames a refused tool name in declarations, tool choice and history", () => {
  const body = canonicalToGeminiRequest(historyRequest());
  const geminiName = geminiToolMapping(historyRequest()).toGemini(MCP_NAME);
  assert.equal(geminiName.length <= 64 && isGeminiFunctionName(geminiName), true);
  const declarations = (body.tools as Array<{ functionDeclarations: Array<{ name: string }> }>)[0]
    .functionDeclarations;
  assert.deepEqual(declarations.map((declaration) => declaration.name), [geminiName, "get_weather"]);
  assert.deepEqual(body.toolConfig, {
    functionCallingConfig: { mode: "ANY", allowedFunctionNames: [geminiName] },
  });
  const contents = body.contents as Array<{ parts: Array<Record<string, { name: string }>> }>;
  assert.equal(contents[1].parts[0].functionCall.name, geminiName);
  assert.equal(contents[2].parts[0].functionResponse.name, geminiName);
});

/** Gemini's call of the MCP tool, as it would write it: the renamed function, maps as JSON text. */
function geminiCall(name: string): Record<string, unknown> {
  return {
    functionCall: {
      name,
      args: {
        title: "t",
        labels: '{"team":"core","area":"api"}',
        tree: { name: "root", children: ['{"name":"leaf","children":[]}'] },
      },
    },
  };
}

const CLIENT_INPUT = {
  title: "t",
  labels: { team: "core", area: "api" },
  tree: { name: "root", children: [{ name: "leaf", children: [] }] },
};

Deno.test("geminiResponseToCanonical() gives calls their client name and objects back with a tool mapping", () => {
  const tools = geminiToolMapping(historyRequest());
  const answer = {
    candidates: [{
      content: { role: "model", parts: [geminiCall(tools.toGemini(MCP_NAME)), geminiCall("get_weather")] },
      finishReason: "STOP",
      index: 0,
    }],
    responseId: "r1",
  };
  const calls = geminiResponseToCanonical(answer, { tools }).content;
  assert.deepEqual(calls[0], { type: "tool-call", id: "call_r1_0", name: MCP_NAME, input: CLIENT_INPUT });
  // get_weather declares no JSON-encoded argument: its arguments are left as Gemini sent them.
  assert.deepEqual(calls[1], {
    type: "tool-call",
    id: "call_r1_1",
    name: "get_weather",
    input: (geminiCall("get_weather").functionCall as { args: unknown }).args,
  });
  // Without the mapping the answer reads as Gemini wrote it.
  const raw = geminiResponseToCanonical(answer).content[0];
  assert.equal(raw.type === "tool-call" && raw.name, tools.toGemini(MCP_NAME));
});

Deno.test("geminiChunksToParts() streams calls with their client name and decoded arguments", async () => {
  const tools = geminiToolMapping(historyRequest());
  const chunk = {
    candidates: [{
      content: { role: "model", parts: [geminiCall(tools.toGemini(MCP_NAME))] },
      finishReason: "STOP",
    }],
    responseId: "r2",
  };
  const events = ReadableStream.from([{ data: JSON.stringify(chunk) }]);
  const parts: StreamPart[] = await Array.fromAsync(events.pipeThrough(geminiChunksToParts({ tools })));
  const start = parts.find((part) => part.type === "tool-call-start");
  const delta = parts.find((part) => part.type === "tool-call-delta");
  assert.deepEqual(start, { type: "tool-call-start", index: 0, id: "call_r2_0", name: MCP_NAME });
  assert.ok(delta?.type === "tool-call-delta");
  assert.deepEqual(JSON.parse(delta.argumentsDelta), CLIENT_INPUT);
});

Deno.test("ProviderCodec.answerReader() reads Gemini's answers to the request its codec wrote", async () => {
  const codec = providerCodec("gemini");
  assert.ok(codec.answerReader);
  const request = historyRequest();
  const body = codec.fromCanonicalRequest(request);
  const sentName = (body.tools as Array<{ functionDeclarations: Array<{ name: string }> }>)[0]
    .functionDeclarations[0].name;
  const answer = {
    candidates: [{
      content: { role: "model", parts: [geminiCall(sentName)] },
      finishReason: "STOP",
      index: 0,
    }],
    responseId: "r3",
  };
  const reader = codec.answerReader(request);
  const [call] = reader.toCanonicalResponse(answer).content;
  assert.deepEqual(call, { type: "tool-call", id: "call_r3_0", name: MCP_NAME, input: CLIENT_INPUT });
  const streamed = await Array.fromAsync(
    ReadableStream.from([{ data: JSON.stringify(answer) }]).pipeThrough(reader.streamToParts()),
  );
  assert.ok(streamed.some((part) => part.type === "tool-call-start" && part.name === MCP_NAME));
  // Formats that read every answer the same need no request.
  assert.equal(providerCodec("openai").answerReader, undefined);
  assert.equal(providerCodec("anthropic").answerReader, undefined);
});
