/**
 * The canonical request → an OpenAI Responses request body, for upstreams that speak only the Responses API.
 * The gateway keeps no state at the upstream: `store: false`, and reasoning goes back as the
 * `encrypted_content` OpenAI gave (asked for with `include`), never by id.
 * https://platform.openai.com/docs/api-reference/responses/create
 */
import type { CanonicalPart, CanonicalRequest, ResponseFormat, ToolChoice } from "../canonical.ts";
import { signatureFor } from "../canonical.ts";
import type { Json } from "../json_values.ts";
import { imageSourceToUrl } from "../openai/request.ts";

/** Canonical → a Responses request body (the adapter adds `model`). */
export function canonicalToResponsesRequest(request: CanonicalRequest): Record<string, unknown> {
  const input: Json[] = [];
  request.messages.forEach((message) => {
    if (message.role === "user") input.push(...userItems(message.content));
    else input.push(...assistantItems(message.content));
  });
  const instructions = request.system.map((part) => part.text).join("\n\n");
  const reasoning = request.reasoning;
  const body: Json = {
    model: request.model,
    input,
    stream: request.stream,
    store: false,
  };
  if (instructions !== "") body.instructions = instructions;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.inputSchema,
      // Canonical schemas come from clients that did not promise OpenAI's strict subset.
      strict: false,
    }));
  }
  const toolChoice = toolChoiceToResponses(request.toolChoice);
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  const parallel = request.toolChoice && "parallel" in request.toolChoice
    ? request.toolChoice.parallel
    : undefined;
  if (parallel !== undefined) body.parallel_tool_calls = parallel;
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (reasoning !== undefined) {
    body.reasoning = reasoning.enabled
      ? { effort: reasoning.effort ?? "medium", summary: "auto" }
      : { effort: "none" };
    // Reasoning travels back statelessly, as Codex CLI does it.
    if (reasoning.enabled) body.include = ["reasoning.encrypted_content"];
  }
  const format = textFormat(request.responseFormat);
  if (format !== undefined) body.text = { format };
  if (request.user !== undefined) body.safety_identifier = request.user.slice(0, 64);
  return body;
}

function userItems(content: CanonicalPart[]): Json[] {
  const items: Json[] = [];
  let parts: Json[] = [];
  const flush = () => {
    if (parts.length > 0) items.push({ type: "message", role: "user", content: parts });
    parts = [];
  };
  for (const part of content) {
    switch (part.type) {
      case "text":
        parts.push({ type: "input_text", text: part.text });
        break;
      case "image":
        parts.push({ type: "input_image", image_url: imageSourceToUrl(part.source), detail: "auto" });
        break;
      case "document":
        parts.push(documentPart(part));
        break;
      case "tool-result": {
        flush();
        const onlyText = part.content.every((inner) => inner.type === "text");
        const output = onlyText
          ? part.content.map((inner) => inner.type === "text" ? inner.text : "").join("")
          : part.content.map((inner) =>
            inner.type === "text"
              ? { type: "input_text", text: inner.text }
              : { type: "input_image", image_url: imageSourceToUrl(inner.source), detail: "auto" }
          );
        const text = part.isError && typeof output === "string" ? `Error: ${output}` : output;
        items.push({ type: "function_call_output", call_id: part.toolCallId, output: text });
        break;
      }
    }
  }
  flush();
  return items;
}

function documentPart(part: Extract<CanonicalPart, { type: "document" }>): Json {
  const { source, title } = part;
  if (source.kind === "url") return { type: "input_file", file_url: source.url };
  if (source.kind === "text") return { type: "input_text", text: source.data };
  return {
    type: "input_file",
    filename: title ?? "document.pdf",
    file_data: `data:${source.mediaType};base64,${source.data}`,
  };
}

function assistantItems(content: CanonicalPart[]): Json[] {
  const items: Json[] = [];
  let texts: string[] = [];
  const flush = () => {
    if (texts.length > 0) {
      items.push({
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: texts.join("") }],
      });
    }
    texts = [];
  };
  for (const part of content) {
    switch (part.type) {
      case "text":
        texts.push(part.text);
        break;
      case "tool-call":
        flush();
        items.push({
          type: "function_call",
          call_id: part.id,
          name: part.name,
          arguments: JSON.stringify(part.input),
        });
        break;
      case "reasoning": {
        // Only OpenAI's own state can go back to it; reasoning of other providers is theirs alone.
        const encrypted = signatureFor("responses", part.signature);
        if (encrypted === undefined) break;
        flush();
        const summary = part.text === "" ? [] : [{ type: "summary_text", text: part.text }];
        items.push({ type: "reasoning", summary, encrypted_content: encrypted });
        break;
      }
    }
  }
  flush();
  return items;
}

function toolChoiceToResponses(choice: ToolChoice | undefined): unknown {
  switch (choice?.type) {
    case undefined:
      return undefined;
    case "auto":
      return "auto";
    case "none":
      return "none";
    case "any":
      return "required";
    case "tool":
      return { type: "function", name: choice.name };
  }
}

function textFormat(format: ResponseFormat | undefined): Json | undefined {
  if (format === undefined || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const result: Json = { type: "json_schema", name: format.name, schema: format.schema };
  if (format.description !== undefined) result.description = format.description;
  if (format.strict !== undefined) result.strict = format.strict;
  return result;
}
