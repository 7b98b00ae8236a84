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

/** Remove `reasoning_content` from assistant messages sent back as history. */
export function stripReasoningHistory(body: Body): Body {
  if (!Array.isArray(body.messages)) return body;
  return {
    ...body,
    messages: body.messages.map((message) => {
      if (message === null || typeof message !== "object" || !("reasoning_content" in message)) {
        return message;
      }
      const { reasoning_content: _dropped, ...rest } = message as Record<string, unknown>;
      return rest;
    }),
  };
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
