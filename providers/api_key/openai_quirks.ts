/**
 * Small body rewrites that several OpenAI-compatible providers need. Each provider's own file says
 * which it uses and why; nothing here is applied unless a provider asks for it.
 */

type Body = Record<string, unknown>;

/** Remove keywords from every tool's `function` and its JSON Schema, at any depth. */
export function stripToolSchemaKeywords(body: Body, keywords: readonly string[]): Body {
  if (!Array.isArray(body.tools)) return body;
  const drop = new Set(keywords);
  const clean = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(clean);
    if (value === null || typeof value !== "object") return value;
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (!drop.has(key)) result[key] = clean(inner);
    return result;
  };
  return { ...body, tools: body.tools.map(clean) };
}

/**
 * The names reasoning text goes by on a message sent back as history: `reasoning_content` (DeepSeek,
 * vLLM, and our own OpenAI encoder) and `reasoning` (OpenRouter, Ollama).
 */
export const REASONING_HISTORY_FIELDS = ["reasoning_content", "reasoning"] as const;

/**
 * Remove reasoning text from messages sent back as history, for providers whose message schema is
 * closed (Mistral answers 422 `extra_forbidden`, Groq 400 "property 'reasoning_content' is
 * unsupported") or that document no such field. A body without any is returned as it was, not copied.
 */
export function stripReasoningHistory(body: Body): Body {
  if (!Array.isArray(body.messages)) return body;
  const carries = (message: unknown) =>
    message !== null && typeof message === "object" &&
    REASONING_HISTORY_FIELDS.some((field) => field in message);
  if (!body.messages.some(carries)) return body;
  return {
    ...body,
    messages: body.messages.map((message) =>
      carries(message) ? withoutFields(message as Body, REASONING_HISTORY_FIELDS) : message
    ),
  };
}

/** The object without the named fields; the same object when it has none of them. */
export function withoutFields(body: Body, fields: readonly string[]): Body {
  if (!fields.some((field) => field in body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([key]) => !fields.includes(key)));
}

/** Whether the body asks for reasoning (`reasoning_effort` other than none). */
export function wantsReasoning(body: Body): boolean {
  return typeof body.reasoning_effort === "string" && body.reasoning_effort !== "none";
}

/** The body without `reasoning_effort`. */
export function withoutReasoningEffort(body: Body): Body {
  const { reasoning_effort: _effort, ...rest } = body;
  return rest;
}
