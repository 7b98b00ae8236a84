/**
 * `POST /v1/responses`, `GET`/`DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items`: the
 * OpenAI Responses front door. A body goes untouched to a provider that speaks Responses, and through the
 * canonical hub to any other. Responses the gateway produced are kept (unless `store: false`) so that a
 * follow-up can name one as `previous_response_id`; the conversation is then rebuilt here, so upstreams
 * never need to know our ids.
 * https://platform.openai.com/docs/api-reference/responses
 */
import type { Handler } from "hono";
import { RequestError } from "../../errors.ts";
import {
  checkInputItems,
  describeTools,
  echoOfRequest,
  inputItems,
  responsesCodec,
  responsesRequestSchema,
  withoutCarriedReasoning,
} from "../../formats/responses/mod.ts";
import { isRecord, type Json } from "../../formats/json_values.ts";
import { encodeSseEvent, SseParser } from "../../formats/sse.ts";
import type { ResponseStore } from "../../store/response_store.ts";
import { targetFormat } from "../chat_body.ts";
import { runChat } from "../chat_pipeline.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { liveProviders } from "../live_providers.ts";
import { resolveTargets } from "../model_resolution.ts";
import { readJsonBody } from "../request_body.ts";
import { validateBody } from "../validation.ts";

/** Events that end a Responses stream with the whole response. */
const TERMINAL_EVENTS: ReadonlySet<string> = new Set(["response.completed", "response.incomplete"]);

/** Build the `POST /v1/responses` handler; `store` keeps responses for `previous_response_id`. */
export function createResponse(deps: AppDeps, store: ResponseStore): Handler<AppEnv> {
  const { config } = deps;
  // Read per call: OAuth logins and removals change the providers while the proxy runs.
  const providers = liveProviders(deps);
  return async function createResponse(c) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    const request = validateBody(responsesRequestSchema, body);
    const { model } = request;
    c.get("access").model = model;
    if (request.background === true) {
      throw new RequestError(400, "background responses are not supported by this gateway", {
        param: "background",
      });
    }
    const targets = resolveTargets(model, providers, config.rotation, { format: "responses" });
    const native = targets.every((target) => targetFormat(target) === "responses");
    const { forwarded, input, keepable } = await conversation(body, { store, native });
    const { dropped, namespaces } = describeTools(body.tools);
    if (dropped.length > 0 && !native) c.get("access").note = `built-in tools dropped: ${dropped.join(", ")}`;
    const stream = request.stream === true;
    const keep = keepable && request.store !== false && config.responsesStoreTtlMs > 0
      ? async (response: Json) => {
        try {
          await store.put(String(response.id), { response, input });
        } catch (error) {
          // The answer is what the client came for; a follow-up naming it will get the 400.
          deps.logger.warn(
            `the response ${String(response.id)} could not be stored: ${(error as Error).message}`,
          );
        }
      }
      : null;
    // A translated stream hands its response over as it ends; one passed through is read on its way.
    const passable = targets.some((target) => targetFormat(target) === "responses");
    // Reasoning the gateway carries for other providers goes to them (translated), never to a Responses
    // upstream, which refuses `encrypted_content` it did not mint (also when an alias mixes formats).
    const own = passable ? withoutCarriedReasoning(input) : input;
    const response = await runChat(deps, c, {
      inbound: responsesCodec({
        echo: echoOfRequest(body),
        namespaces,
        onStreamedResponse: keep ?? undefined,
      }),
      frontDoor: "responses",
      body: forwarded,
      passThroughBody: own === input ? undefined : { ...forwarded, input: own },
      clientModel: model,
      targets,
      stream,
      // Responses streams always end with the usage (`response.completed`).
      includeUsage: true,
    });
    if (!stream) return await keepAnswer(response, keep);
    return passable ? watchStream(response, keep) : response;
  };
}

/**
 * The body to send and the conversation it holds. A `previous_response_id` we kept is replaced by the
 * conversation it names: upstreams never know our ids (nor, after a failover, each other's). One we never
 * saw is a 400, unless every target speaks Responses: then it is the upstream's to judge (it may hold it),
 * and the answer is not kept (we would not know its whole conversation).
 */
async function conversation(
  body: Json,
  options: { store: ResponseStore; native: boolean },
): Promise<{ forwarded: Json; input: unknown[]; keepable: boolean }> {
  const { store, native } = options;
  const named = typeof body.previous_response_id === "string" ? body.previous_response_id : null;
  const stored = named === null ? null : await store.get(named);
  let forwarded = body;
  let input = inputItems(body.input);
  if (stored !== null) {
    const output = Array.isArray(stored.response.output) ? stored.response.output : [];
    input = [...stored.input, ...output, ...input];
    const { previous_response_id: _named, ...rest } = body;
    forwarded = { ...rest, input };
  } else if (named !== null) {
    if (!native) {
      throw new RequestError(400, `Previous response with id '${named}' not found.`, {
        param: "previous_response_id",
        code: "previous_response_not_found",
      });
    }
    return { forwarded, input, keepable: false };
  }
  const references = await resolveReferences(input, store);
  if (references.input !== input) {
    input = references.input;
    forwarded = { ...forwarded, input };
  }
  if (references.unknown !== null) {
    if (!native) {
      throw new RequestError(400, `Item with id '${references.unknown}' not found.`, { param: "input" });
    }
    return { forwarded, input, keepable: false };
  }
  checkInputItems(input);
  return { forwarded, input, keepable: true };
}

/**
 * `item_reference` items replaced by the kept items they name (the AI SDK sends past answers so when
 * `store` is true); `unknown` names the first one no kept response holds. The same array when there is
 * none.
 */
async function resolveReferences(
  input: unknown[],
  store: ResponseStore,
): Promise<{ input: unknown[]; unknown: string | null }> {
  const ids = input.filter(isReference).map((item) => item.id);
  if (ids.length === 0) return { input, unknown: null };
  const items = await store.items(ids);
  const resolved = input.map((item) => isReference(item) ? items.get(item.id) ?? item : item);
  return { input: resolved, unknown: ids.find((id) => !items.has(id)) ?? null };
}

function isReference(item: unknown): item is { type: "item_reference"; id: string } {
  return isRecord(item) && item.type === "item_reference" && typeof item.id === "string";
}

/** A JSON answer, kept when it is a response. */
async function keepAnswer(
  response: Response,
  keep: ((response: Json) => Promise<void>) | null,
): Promise<Response> {
  if (keep === null || !response.ok) return response;
  const text = await response.text();
  try {
    const json = JSON.parse(text);
    if (isRecord(json) && typeof json.id === "string") await keep(json);
  } catch {
    // Not a response object: nothing to keep; the client gets it as it is.
  }
  return new Response(text, { status: response.status, headers: response.headers });
}

/**
 * A stream passed on chunk by chunk, watched for its terminal event (whose response is kept), and with the
 * `sequence_number` of a `response.failed` the relay wrote (it knows no sequence) set to follow the stream.
 */
function watchStream(response: Response, keep: ((response: Json) => Promise<void>) | null): Response {
  if (!response.body || !response.ok) return response;
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let events = 0;
  const watched = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        const parsed = parser.push(decoder.decode(chunk, { stream: true }));
        let replacement: Uint8Array | null = null;
        for (const event of parsed) {
          events += 1;
          if (event.event === "response.failed" && !event.data.includes('"sequence_number"')) {
            const data = parseOrNull(event.data);
            // The relay writes its failure event as a chunk of its own.
            if (isRecord(data) && parsed.length === 1) {
              data.sequence_number = events - 1;
              replacement = encoder.encode(
                encodeSseEvent({ event: event.event, data: JSON.stringify(data) }),
              );
            }
          }
          if (keep !== null && event.event !== undefined && TERMINAL_EVENTS.has(event.event)) {
            const data = parseOrNull(event.data);
            if (isRecord(data) && isRecord(data.response) && typeof data.response.id === "string") {
              await keep(data.response);
            }
          }
        }
        controller.enqueue(replacement ?? chunk);
      },
    }),
  );
  return new Response(watched, { status: response.status, headers: response.headers });
}

/** Build the `GET /v1/responses/{id}` handler. */
export function getResponse(store: ResponseStore): Handler<AppEnv> {
  return async function getResponse(c) {
    const stored = await storedResponse(store, c.req.param("id") ?? "");
    return c.json(stored.response);
  };
}

/** Build the `GET /v1/responses/{id}/input_items` handler (all items, oldest first, in one page). */
export function listInputItems(store: ResponseStore): Handler<AppEnv> {
  return async function listInputItems(c) {
    const stored = await storedResponse(store, c.req.param("id") ?? "");
    const data = stored.input.filter(isRecord).map((item, index) => ({ id: `item_${index}`, ...item }));
    const ascending = c.req.query("order") === "asc";
    const ordered = ascending ? data : data.toReversed();
    return c.json({
      object: "list",
      data: ordered,
      first_id: ordered[0]?.id ?? null,
      last_id: ordered.at(-1)?.id ?? null,
      has_more: false,
    });
  };
}

/** Build the `DELETE /v1/responses/{id}` handler. */
export function deleteResponse(store: ResponseStore): Handler<AppEnv> {
  return async function deleteResponse(c) {
    const id = c.req.param("id") ?? "";
    if (!await store.delete(id)) throw notFound(id);
    return c.json({ id, object: "response", deleted: true });
  };
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function storedResponse(store: ResponseStore, id: string) {
  const stored = await store.get(id);
  if (stored === null) throw notFound(id);
  return stored;
}

function notFound(id: string): RequestError {
  return new RequestError(404, `Response with id '${id}' not found.`, { code: "not_found" });
}
