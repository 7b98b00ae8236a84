/** The ways a command fails on purpose: a failure (exit 1), a usage error (exit 2), Ctrl-C (exit 130). */

/** The command could not do its work; `proxy` prints the message as one line and exits with 1. */
export class CommandFailure extends Error {
  override readonly name = "CommandFailure";
  readonly exitCode: number = 1;
}

/** The command was called wrongly (bad argument, no terminal for a prompt); exit code 2. */
export class UsageFailure extends CommandFailure {
  override readonly exitCode: number = 2;
}

/** Ctrl-C (or Esc) at a prompt: exit 130, as for an interrupted program, with nothing written. */
export class Interrupted extends CommandFailure {
  override readonly exitCode: number = 130;
  constructor() {
    super("cancelled; nothing was changed");
  }
}
