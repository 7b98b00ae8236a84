/** Turning a zod error into one readable `field: problem` for a 400. */
import type { z } from "zod";

/** The first problem of a zod error, with its dotted field path (`messages.0.role`). */
export function zodProblem(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
  return { path, message: issue.message };
}
