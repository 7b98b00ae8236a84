/** Entry point: hands the arguments to the command line. */
import { runCli } from "./cli/mod.ts";

Deno.exit(await runCli(Deno.args));
