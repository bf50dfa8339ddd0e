import type { OptionsConfig } from "./args.js";
import type { CliIo } from "./io.js";

/** A `kite` subcommand: its help text and what it does. */
export interface Command {
  readonly name: string;
  /** One line for `kite --help`. */
  readonly summary: string;
  /** The full text of `kite <name> --help`. */
  readonly usage: string;
  /** Its options, as `parseArgs` takes them: what shell completion offers. */
  readonly options: OptionsConfig;
  /** Runs the command and resolves with the process's exit code; throws `UsageError` for a bad command line. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
