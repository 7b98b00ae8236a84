/**
 * JSON Schema → the OpenAPI 3.0 subset Gemini takes as `functionDeclarations[].parameters`.
 * Gemini parses the schema as a protobuf message: an unknown keyword (`$ref`, `const`,
 * `additionalProperties`, …) is a 400 "Unknown name … Cannot find field", and some known ones are
 * checked further ("enum: only allowed for STRING type", "format: only 'enum' and 'date-time' are
 * supported for STRING type", "items: missing field", "type: must be specified when not using one_of,
 * any_of or all_of fields", "properties: should be non-empty for OBJECT type").
 * https://ai.google.dev/api/caching#Schema
 */

import { RequestError } from "../../errors.ts";
import { isRecord, type Json } from "../json_values.ts";

/**
 * Bounds on cleaning one schema: nesting (the cleaning recurses) and nodes written (inlined `$ref`s can
 * multiply a small schema). A schema past them is refused with a 400, not a stack overflow's 500.
 */
export const MAX_SCHEMA_DEPTH = 64;
export const MAX_SCHEMA_NODES = 20_000;

/** Keywords of Gemini's `Schema` copied as they are when their value has the right JSON type. */
const STRING_KEYWORDS = ["title", "description", "pattern"] as const;
const NUMBER_KEYWORDS = [
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "minProperties",
  "maxProperties",
] as const;

/** The keywords that only apply to one type; a schema of another type loses them. */
const TYPE_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  string: ["format", "enum", "minLength", "maxLength", "pattern"],
  number: ["format", "minimum", "maximum"],
  integer: ["format", "minimum", "maximum"],
  array: ["items", "prefixItems", "minItems", "maxItems"],
  object: ["properties", "required", "propertyOrdering", "minProperties", "maxProperties"],
};
const TYPED_KEYWORDS = new Set(Object.values(TYPE_KEYWORDS).flat());

/** The `format`s the Gemini API accepts, by type (https://ai.google.dev/api/caching#Schema). */
const FORMATS: Readonly<Record<string, readonly string[]>> = {
  string: ["enum", "date-time"],
  number: ["float", "double"],
  integer: ["int32", "int64"],
};

/**
 * Where `$ref`s resolve, the references being inlined on the current path (to stop cycles), and the
 * nodes written as JSON-encoded strings so far (see {@link jsonEncodedPaths}), each with the plain string
 * it becomes in a union that also takes any string (see {@link unionBranches}).
 */
interface Context {
  readonly root: Json;
  readonly resolving: ReadonlySet<string>;
  readonly encoded: Map<Json, Json>;
  /** Schemas entered on the current path. */
  readonly depth: number;
  /** Nodes cleaned so far, shared by the whole schema. */
  readonly work: { nodes: number };
}

/** A step of an {@link ArgumentPath} that stands for every item of an array. */
export const ANY_ITEM = "*";

/**
 * Where a value sits in a tool's arguments: property names, and {@link ANY_ITEM} for the items of an
 * array (a step is read as an item step only where the value is an array).
 */
export type ArgumentPath = readonly string[];

/**
 * JSON Schema → what Gemini's `functionDeclarations[].parameters` accepts: local `$ref`s inlined (a
 * cyclic one becomes a JSON-encoded object, see below), `allOf` merged, `oneOf` read as `anyOf`, nullable
 * unions turned into the type plus `nullable: true`, `const` into a one-value `enum`, enums kept as
 * strings, unsupported keywords dropped, `required` pruned to the properties present.
 *
 * Gemini wants a type on every node and properties on every object. Below the root, an untyped node
 * ("any JSON value", `items: {}`) becomes a string, and an object without properties (a free-form map such
 * as `additionalProperties: true`) becomes a string that says it holds the JSON-encoded object — as
 * LangChain's Gemini integration does; the Vercel AI SDK drops such properties, which hides them from the
 * model. The answers' JSON text goes back to objects at {@link jsonEncodedPaths}. Not so in a union that
 * also takes any string (`type: ["object", "string"]`): there JSON text could be a string the client
 * meant, so the object is offered as a plain string and nothing is decoded. The root stays an object: a
 * tool without properties is sent without `parameters`. Pure: the input is not mutated.
 */
export function cleanSchemaForGemini(schema: unknown): Record<string, unknown> {
  return cleanRoot(schema).parameters;
}

/**
 * Where the arguments of a tool with this input schema hold a JSON-encoded object, because
 * {@link cleanSchemaForGemini} declared a string there (an object without properties, a cyclic
 * reference): Gemini answers with the JSON text, which must become the value again before a client
 * whose schema says "object" sees it. Read off the cleaned schema itself, so the paths are exactly the
 * strings it declares as JSON-encoded objects (never one a union also allows as a plain string). Empty for
 * most tools.
 */
export function jsonEncodedPaths(schema: unknown): ArgumentPath[] {
  const { parameters, encoded } = cleanRoot(schema);
  if (encoded.size === 0) return [];
  const paths = new Map<string, ArgumentPath>();
  collectEncodedPaths(parameters, { path: [], encoded, paths });
  return [...paths.values()];
}

function cleanRoot(schema: unknown): { parameters: Json; encoded: ReadonlyMap<Json, Json> } {
  const root = isRecord(schema) ? schema : {};
  const encoded = new Map<Json, Json>();
  const parameters = cleanNode(root, {
    root,
    resolving: new Set(["#"]),
    encoded,
    depth: 0,
    work: { nodes: 0 },
  });
  // Function parameters are an object, even one without properties.
  if (parameters.type === undefined && parameters.anyOf === undefined) parameters.type = "object";
  return { parameters, encoded };
}

/** Walk a cleaned schema as the arguments nest: properties by name, array items, union branches in place. */
function collectEncodedPaths(
  node: unknown,
  walk: { path: ArgumentPath; encoded: ReadonlyMap<Json, Json>; paths: Map<string, ArgumentPath> },
): void {
  if (!isRecord(node)) return;
  const { path, encoded, paths } = walk;
  if (encoded.has(node)) {
    paths.set(JSON.stringify(path), path);
    return;
  }
  if (isRecord(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) {
      collectEncodedPaths(child, { ...walk, path: [...path, name] });
    }
  }
  if (node.items !== undefined) collectEncodedPaths(node.items, { ...walk, path: [...path, ANY_ITEM] });
  const branches = Array.isArray(node.anyOf) ? node.anyOf : [];
  for (const branch of branches) collectEncodedPaths(branch, walk);
}

/** A schema nested in another (property, items, union branch): cleaned, then given a form Gemini takes. */
function cleanChild(node: unknown, context: Context): Json {
  return typedForGemini(cleanNode(node, context), context);
}

/** Said of an object without properties, which the model then writes as a string. */
const JSON_OBJECT_NOTE = "A JSON-encoded object.";

/**
 * An untyped node → a string; an object without properties → a string holding the JSON-encoded object,
 * remembered in `context.encoded` (with the plain string it would be without the note) so that answers
 * can be decoded.
 */
function typedForGemini(result: Json, context: Context): Json {
  if (result.type === undefined && result.anyOf === undefined) {
    return finishNode({ ...result, type: "string" });
  }
  if (result.type !== "object" || result.properties !== undefined) return result;
  const text: Json = { type: "string" };
  copyPlainKeywords({ title: result.title, description: result.description }, text);
  if (result.nullable === true) text.nullable = true;
  const description = typeof result.description === "string"
    ? `${result.description}\n${JSON_OBJECT_NOTE}`
    : JSON_OBJECT_NOTE;
  const encoded: Json = { ...text, description };
  context.encoded.set(encoded, text);
  return encoded;
}

/**
 * The branches of a union as Gemini gets them. When one branch takes any string, JSON text in the answer
 * could be that string as well as an encoded object, and decoding it would hand the client an object
 * where it meant a string: the JSON-encoded branches are then plain strings, and are not decoded.
 */
function unionBranches(branches: Json[], context: Context): Json[] {
  if (!branches.some((branch) => takesAnyString(branch, context))) return branches;
  return branches.map((branch) => asPlainString(branch, context));
}

/** Whether a cleaned schema accepts any string: a string without `enum`, or a union with such a branch. */
function takesAnyString(node: Json, context: Context): boolean {
  if (context.encoded.has(node)) return false;
  if (Array.isArray(node.anyOf)) {
    return node.anyOf.some((branch) => isRecord(branch) && takesAnyString(branch, context));
  }
  return node.type === "string" && node.enum === undefined;
}

/** A union branch with its JSON-encoded strings (its own, or its nested union's) made plain strings. */
function asPlainString(node: Json, context: Context): Json {
  const text = context.encoded.get(node);
  if (text !== undefined) {
    context.encoded.delete(node);
    return text;
  }
  if (!Array.isArray(node.anyOf)) return node;
  return {
    ...node,
    anyOf: node.anyOf.map((branch) => isRecord(branch) ? asPlainString(branch, context) : branch),
  };
}

function cleanNode(node: unknown, outer: Context): Json {
  if (!isRecord(node)) return {};
  const context = { ...outer, depth: outer.depth + 1 };
  if (context.depth > MAX_SCHEMA_DEPTH) throw schemaTooLarge(`nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
  if (++context.work.nodes > MAX_SCHEMA_NODES) {
    throw schemaTooLarge(`has more than ${MAX_SCHEMA_NODES} nodes once its $refs are inlined`);
  }
  if (typeof node.$ref === "string") return cleanReference(node, node.$ref, context);
  let result = cleanOwnKeywords(node, context);
  if (Array.isArray(node.allOf)) {
    for (const entry of node.allOf) result = mergeSchemas(result, cleanNode(entry, context));
  }
  return finishNode(result);
}

function schemaTooLarge(problem: string): RequestError {
  return new RequestError(400, `tools: a tool's input schema ${problem}; Gemini cannot be sent it`, {
    param: "tools",
    code: "invalid_tool_schema",
  });
}

/** A `$ref` (with its sibling keywords) → the cleaned target; cycles and unknown targets → an object. */
function cleanReference(node: Json, reference: string, context: Context): Json {
  const { $ref: _reference, ...siblings } = node;
  const target = context.resolving.has(reference) ? undefined : resolvePointer(context.root, reference);
  if (!isRecord(target)) {
    const placeholder: Json = { type: "object" };
    if (typeof siblings.description === "string") placeholder.description = siblings.description;
    return placeholder;
  }
  const resolving = new Set([...context.resolving, reference]);
  return cleanNode({ ...target, ...siblings }, { ...context, resolving });
}

/** A local JSON Pointer reference (`#/$defs/Name`, `#/definitions/Name`, `#/properties/a`, …). */
function resolvePointer(root: Json, reference: string): unknown {
  if (reference === "#") return root;
  if (!reference.startsWith("#/")) return undefined; // remote references are not fetched
  let value: unknown = root;
  for (const raw of reference.slice(2).split("/")) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    } catch {
      return undefined;
    }
    if (Array.isArray(value)) value = value[Number(token)];
    else if (isRecord(value) && Object.hasOwn(value, token)) value = value[token];
    else return undefined;
  }
  return value;
}

/** Everything but `$ref` and `allOf`: types, unions, enums and nested schemas. */
function cleanOwnKeywords(node: Json, context: Context): Json {
  const types = typeList(node.type);
  const branches = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : [];
  const values = Array.isArray(node.enum) ? node.enum : "const" in node ? [node.const] : undefined;
  const nullable = node.nullable === true || types.includes("null") || branches.some(isNullSchema) ||
    (values?.includes(null) ?? false);
  const nonNullTypes = types.filter((type) => type !== "null");
  let result: Json = {};
  if (nonNullTypes.length > 1) {
    // `type: ["string", "integer"]` → one branch per type, each with the keywords that apply to it.
    copyPlainKeywords({ description: node.description, title: node.title }, result);
    const typed = nonNullTypes.map((type) => {
      const branch: Json = { type };
      for (const keyword of TYPE_KEYWORDS[type] ?? []) if (keyword in node) branch[keyword] = node[keyword];
      return typedForGemini(finishNode(cleanOwnKeywords(branch, context)), context);
    });
    result.anyOf = unionBranches(typed, context);
  } else {
    copyPlainKeywords(node, result);
    if (nonNullTypes.length === 1) result.type = nonNullTypes[0];
    else if (types.length === 1) result.type = "null";
    const others = branches.filter((branch) => !isNullSchema(branch));
    // With a type of its own, `anyOf` only narrows it (e.g. alternative `required` lists): dropped.
    if (result.type === undefined && others.length === 1) {
      result = { ...cleanNode(others[0], context), ...result };
    } else if (result.type === undefined && others.length > 1) {
      result.anyOf = unionBranches(others.map((branch) => cleanChild(branch, context)), context);
    } else if (result.type === undefined && branches.length > 0) result.type = "null";
    if (values !== undefined) applyEnum(result, values.filter((value) => value !== null));
    if (typeof node.format === "string") result.format = node.format;
    if (isRecord(node.properties)) {
      result.properties = Object.fromEntries(
        Object.entries(node.properties).map(([name, value]) => [name, cleanChild(value, context)]),
      );
    }
    const items = isRecord(node.items)
      ? node.items
      : Array.isArray(node.items)
      ? node.items
      : node.prefixItems;
    if (isRecord(items)) result.items = cleanChild(items, context);
    else if (Array.isArray(items) && items.length > 0) {
      // Tuples have no Gemini form: any of the positions' schemas.
      const cleaned = items.map((item) => cleanChild(item, context));
      result.items = cleaned.length === 1 ? cleaned[0] : { anyOf: unionBranches(cleaned, context) };
    }
    if (Array.isArray(node.required)) result.required = strings(node.required);
    if (Array.isArray(node.propertyOrdering)) result.propertyOrdering = strings(node.propertyOrdering);
  }
  if (nullable) result.nullable = true;
  return result;
}

function copyPlainKeywords(node: Json, result: Json): void {
  for (const keyword of STRING_KEYWORDS) {
    if (typeof node[keyword] === "string") result[keyword] = node[keyword];
  }
  for (const keyword of NUMBER_KEYWORDS) {
    const value = node[keyword];
    if (typeof value === "number" && Number.isFinite(value)) result[keyword] = value;
  }
}

/**
 * Gemini takes `enum` on strings only ("enum: only allowed for STRING type"): a string (or untyped)
 * schema keeps its values as strings; a number or boolean one keeps its type and lists the values in
 * its description instead, so the model still sends a number.
 */
function applyEnum(result: Json, values: unknown[]): void {
  if (values.length === 0) return;
  const type = result.type;
  const numeric = values.every((value) => typeof value === "number" || typeof value === "boolean");
  if (type === "string" || (type === undefined && !numeric)) {
    result.type = "string";
    result.enum = values.map((value) => typeof value === "string" ? value : JSON.stringify(value));
    return;
  }
  if (type === undefined) {
    const booleans = values.every((value) => typeof value === "boolean");
    result.type = booleans ? "boolean" : values.every(Number.isInteger) ? "integer" : "number";
  }
  const hint = `Allowed values: ${values.map((value) => JSON.stringify(value)).join(", ")}`;
  result.description = typeof result.description === "string" ? `${result.description}\n${hint}` : hint;
}

/** `allOf` entries add to the schema: properties and `required` are joined, other keywords kept. */
function mergeSchemas(target: Json, source: Json): Json {
  const merged: Json = { ...source, ...target };
  if (isRecord(source.properties) || isRecord(target.properties)) {
    merged.properties = { ...recordOrEmpty(source.properties), ...recordOrEmpty(target.properties) };
  }
  if (Array.isArray(source.required) || Array.isArray(target.required)) {
    merged.required = [...strings(target.required), ...strings(source.required)];
  }
  return merged;
}

/** Infer a missing type, drop keywords of other types, prune `required` and empty `properties`. */
function finishNode(result: Json): Json {
  if (result.type === undefined && result.anyOf === undefined) {
    if (isRecord(result.properties)) result.type = "object";
    else if (result.items !== undefined) result.type = "array";
  }
  const type = typeof result.type === "string" ? result.type : undefined;
  if (type !== undefined) {
    const own = new Set(TYPE_KEYWORDS[type] ?? []);
    for (const keyword of TYPED_KEYWORDS) if (!own.has(keyword)) delete result[keyword];
  }
  if (typeof result.format === "string" && !(FORMATS[type ?? ""] ?? []).includes(result.format)) {
    delete result.format;
  }
  const properties = isRecord(result.properties) ? result.properties : {};
  if (Object.keys(properties).length === 0) delete result.properties;
  for (const keyword of ["required", "propertyOrdering"]) {
    if (!Array.isArray(result[keyword])) continue;
    const names = [...new Set(strings(result[keyword]))].filter((name) => Object.hasOwn(properties, name));
    if (names.length > 0) result[keyword] = names;
    else delete result[keyword];
  }
  // Gemini answers 400 "items: missing field" for an array without an item schema.
  if (type === "array" && result.items === undefined) result.items = { type: "string" };
  return result;
}

function typeList(type: unknown): string[] {
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? strings(type) : [];
}

function isNullSchema(schema: unknown): boolean {
  if (!isRecord(schema)) return false;
  const types = typeList(schema.type);
  return types.length > 0 && types.every((type) => type === "null");
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function recordOrEmpty(value: unknown): Json {
  return isRecord(value) ? value : {};
}
