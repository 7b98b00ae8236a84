/** The two ways a command fails on purpose: a failure (exit 1) and a usage error (exit 2). */

/** The command could not do its work; `proxy` prints the message as one line and exits with 1. */
export class CommandFailure extends Error {
  override readonly name = "CommandFailure";
  readonly exitCode: number = 1;
}

/** The command was called wrongly (bad argument, no terminal for a prompt); exit code 2. */
export class UsageFailure extends CommandFailure {
  override readonly exitCode: number = 2;
}
