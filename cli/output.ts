/** What the command line prints for people (not logging): plain lines on stdout and stderr. */

/** Print a line for the user on stdout. */
export function say(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

/** Print a problem for the user on stderr. */
export function complain(line: string): void {
  // deno-lint-ignore no-console
  console.error(line);
}
