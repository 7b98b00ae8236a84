/** DeepSeek: OpenAI-compatible Chat Completions; reasoning arrives as `reasoning_content`. */
import { openAICompatible } from "./openai_compatible.ts";

type Body = Record<string, unknown>;
type Message = Record<string, unknown>;

/**
 * Stands in for reasoning DeepSeek never gave us (a turn answered by another provider, a client that
 * dropped it). DeepSeek V4 refuses an empty `reasoning_content` as it refuses a missing one, and takes a
 * single space (NousResearch/hermes-agent#18263; `""` sufficed before, continuedev/continue#11290).
 */
export const DEEPSEEK_REASONING_PLACEHOLDER = " ";

const isMessage = (value: unknown): value is Message => value !== null && typeof value === "object";
const hasToolCalls = (message: Message) =>
  message.role === "assistant" && Array.isArray(message.tool_calls) && message.tool_calls.length > 0;

/**
 * Whether DeepSeek thinks on this request: the `thinking` switch when given, else by model. Thinking is
 * on by default; `deepseek-chat` is the non-thinking alias
 * (https://api-docs.deepseek.com/guides/thinking_mode).
 */
function thinks(body: Body, model: string): boolean {
  const type = isMessage(body.thinking) ? body.thinking.type : undefined;
  if (type === "enabled" || type === "disabled") return type === "enabled";
  return !/deepseek-chat/i.test(model);
}

/**
 * For each message, whether it belongs to a turn (the messages between two `user` messages) in which
 * the model called tools.
 */
function inToolTurn(messages: unknown[]): boolean[] {
  const turnOf: number[] = [];
  const toolTurns = new Set<number>();
  let turn = 0;
  for (const message of messages) {
    if (isMessage(message) && message.role === "user") turn++;
    turnOf.push(turn);
    if (isMessage(message) && hasToolCalls(message)) toolTurns.add(turn);
  }
  return turnOf.map((index) => toolTurns.has(index));
}

/**
 * DeepSeek's thinking mode wants `reasoning_content` back on every assistant message of a turn that
 * called tools ("Missing `reasoning_content` field in the assistant message at message index 2", "The
 * `reasoning_content` in the thinking mode must be passed back to the API"), and ignores it elsewhere.
 * So: kept in tool turns (a placeholder where it is missing, when the model thinks), dropped from the
 * others. https://api-docs.deepseek.com/guides/thinking_mode#tool-calls
 */
export function deepseekReasoningHistory(body: Body, model: string): Body {
  if (!Array.isArray(body.messages)) return body;
  const toolTurn = inToolTurn(body.messages);
  const pad = thinks(body, model);
  let changed = false;
  const messages = body.messages.map((message, index) => {
    if (!isMessage(message) || message.role !== "assistant") return message;
    const { reasoning_content: reasoning, ...rest } = message;
    const kept = !toolTurn[index]
      ? (reasoning === undefined ? message : rest)
      : typeof reasoning === "string" && reasoning !== "" || !pad
      ? message
      : { ...rest, reasoning_content: DEEPSEEK_REASONING_PLACEHOLDER };
    if (kept !== message) changed = true;
    return kept;
  });
  // A body with nothing to change is sent as it is, not copied.
  return changed ? { ...body, messages } : body;
}

/** The deepseek provider. */
export const deepseek = openAICompatible({
  id: "deepseek",
  baseUrl: "https://api.deepseek.com/v1",
  // No documented `reasoning_effort` (reasoning is chosen by model); strict servers refuse it.
  reasoningEffortModels: "none",
  // Reasoning history follows the thinking-mode rules above, not a blanket keep or strip.
  prepareBody: (body, { model }) => deepseekReasoningHistory(body, model),
});
