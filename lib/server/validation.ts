/** Turning a zod error into one readable `field: problem` for a 400. */
import type { z } from "zod";
import { RequestError } from "../errors.ts";

/** The first problem of a zod error, with its dotted field path (`messages.0.role`). */
export function zodProblem(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
  return { path, message: issue.message };
}

/** Parse `body` with `schema`; a problem is a 400 naming the field (rendered in the client's format). */
export function validateBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const { path, message } = zodProblem(parsed.error);
    throw new RequestError(400, `${path}: ${message}`, { param: path });
  }
  return parsed.data;
}
