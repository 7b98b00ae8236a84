/**
 * Reading a secret the user did not pass as an argument: a masked prompt in a terminal (nothing is
 * echoed), otherwise the first line of stdin, so `echo "$KEY" | proxy credentials add-key x` works.
 */
import { isCancel, password } from "@clack/prompts";
import { Interrupted, UsageFailure } from "./failure.ts";

/** Ask for a secret without echoing it. */
export async function readSecret(
  message: string,
  validate: (value: string) => string | undefined,
): Promise<string> {
  if (Deno.stdin.isTerminal()) {
    const answer = await password({ message, validate: (value) => validate(value ?? "") });
    if (isCancel(answer)) throw new Interrupted();
    return answer.trim();
  }
  const text = await new Response(Deno.stdin.readable).text();
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim() !== "")?.trim() ?? "";
  const problem = validate(line);
  if (problem !== undefined) {
    throw new UsageFailure(`no key given: pass it as an argument or on stdin (${problem})`);
  }
  return line;
}
