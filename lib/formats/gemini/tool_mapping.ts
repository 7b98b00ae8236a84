/**
 * What writing a request's tools for Gemini changes, and how to undo it in the function calls Gemini
 * answers with: names Gemini refuses are renamed ({@link geminiFunctionNames}), and arguments its
 * schemas cannot type as objects are asked for as JSON text ({@link jsonEncodedPaths}). Clients must
 * get their own names and objects back, or their tool loops fail validation ("expected record, received
 * string", unknown tool).
 */
import type { CanonicalRequest } from "../canonical.ts";
import { isRecord, type Json } from "../json_values.ts";
import { geminiFunctionNames } from "./function_names.ts";
import { ANY_ITEM, type ArgumentPath, jsonEncodedPaths } from "./schema_cleaning.ts";

/** A function call as the client's tool declared it. */
export interface ClientCall {
  name: string;
  input: Json;
}

/** How one request's tools read to Gemini, both ways. */
export interface GeminiToolMapping {
  /** The name Gemini knows a function of the request by. */
  toGemini(name: string): string;
  /** A function call as Gemini wrote it → the client's tool name and arguments. */
  callFromGemini(name: string, args: Json): ClientCall;
}

type MappedRequest = Pick<CanonicalRequest, "tools" | "messages" | "toolChoice">;

/**
 * Mappings already built, by the request's message list: the request writer (once per attempt) and the
 * answer reader get copies of one canonical request that share its lists, and build the mapping once.
 */
const built = new WeakMap<object, { request: MappedRequest; mapping: GeminiToolMapping }>();

/**
 * The tool mapping of a request. Cheap to build: argument paths are only worked out for the tools
 * Gemini actually calls, once each, and calls of tools without such paths are returned untouched.
 */
export function geminiToolMapping(request: MappedRequest): GeminiToolMapping {
  const hit = built.get(request.messages);
  if (hit && hit.request.tools === request.tools && hit.request.toolChoice === request.toolChoice) {
    return hit.mapping;
  }
  const mapping = buildToolMapping(request);
  built.set(request.messages, { request, mapping });
  return mapping;
}

function buildToolMapping(request: MappedRequest): GeminiToolMapping {
  const names = geminiFunctionNames(functionNamesOf(request));
  const schemas = new Map(request.tools.map((tool) => [tool.name, tool.inputSchema]));
  const encodedPaths = new Map<string, readonly ArgumentPath[]>();
  const pathsOf = (name: string): readonly ArgumentPath[] => {
    let paths = encodedPaths.get(name);
    if (paths === undefined) {
      paths = schemas.has(name) ? jsonEncodedPaths(schemas.get(name)) : [];
      encodedPaths.set(name, paths);
    }
    return paths;
  };
  return {
    toGemini: names.toGemini,
    callFromGemini(geminiName, args) {
      const name = names.fromGemini(geminiName);
      const paths = pathsOf(name);
      return { name, input: paths.length === 0 ? args : decodeJsonEncoded(args, paths) };
    },
  };
}

/** Every function name a request holds: declared, chosen, and called earlier in the conversation. */
function functionNamesOf(request: MappedRequest): string[] {
  const names = request.tools.map((tool) => tool.name);
  if (request.toolChoice?.type === "tool") names.push(request.toolChoice.name);
  for (const message of request.messages) {
    for (const part of message.content) if (part.type === "tool-call") names.push(part.name);
  }
  return names;
}

/**
 * Arguments with the JSON text at `paths` parsed back into the object it encodes. The schema said
 * "object" at every such path ({@link jsonEncodedPaths}), so only the text of a plain object is decoded:
 * a value that is not a string, or is the text of an array or a scalar, is left as the model wrote it
 * rather than turned into a value of a type the client's schema does not allow there. Pure: copies only
 * what changes.
 */
export function decodeJsonEncoded(args: Json, paths: readonly ArgumentPath[]): Json {
  let decoded = args;
  for (const path of paths) {
    const next = decodeAt(decoded, path);
    if (isRecord(next)) decoded = next;
  }
  return decoded;
}

function decodeAt(value: unknown, path: ArgumentPath): unknown {
  if (path.length === 0) return typeof value === "string" ? (parseObject(value) ?? value) : value;
  const [step, ...rest] = path;
  if (step === ANY_ITEM && Array.isArray(value)) {
    const items = value.map((item) => decodeAt(item, rest));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  if (!isRecord(value) || !Object.hasOwn(value, step)) return value;
  const child = value[step];
  const next = decodeAt(child, rest);
  return next === child ? value : { ...value, [step]: next };
}

/** The JSON object a text encodes, or undefined for any other text (an array, a scalar, not JSON). */
function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
