/**
 * One command-line flag, described once: `parseArgs` gets its definition, `--help` its line, the
 * error for a missing value what it takes, and shell completion its names. Describing a flag in one
 * place is what keeps the help from forgetting one.
 */
export interface Flag {
  readonly name: string;
  readonly short?: string;
  /** The value's placeholder in the help ("<duration>"), or absent for a switch. */
  readonly value?: string;
  /** What the value may be, for "--x is missing its value: it takes ...". */
  readonly takes?: string;
  readonly multiple?: boolean;
  /** The help text; wrapped to the terminal's 80 columns by `renderFlags`. */
  readonly help: string;
  /** Values to offer in shell completion ("hex base64 raw"), when there is a fixed set. */
  readonly choices?: readonly string[];
}

/** The `options` object `parseArgs` takes, built from a flag table. */
export function parseArgsOptions(flags: readonly Flag[]): Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const flag of flags) {
    options[flag.name] = {
      type: flag.value === undefined ? "boolean" : "string",
      ...(flag.short === undefined ? {} : { short: flag.short }),
      ...(flag.multiple === true ? { multiple: true } : {}),
    };
  }
  return options;
}

/** What each flag with a value takes, by name, for `parseCommandLine`. */
export function valueHints(flags: readonly Flag[]): Record<string, string> {
  return Object.fromEntries(flags.filter((flag) => flag.value !== undefined).map((flag) => [flag.name, flag.takes ?? flag.value!]));
}

const HELP_COLUMN = 32;
const WIDTH = 80;

/** The "Options:" lines of a usage text: names on the left, help wrapped in a column on the right. */
export function renderFlags(flags: readonly Flag[]): string {
  const lines: string[] = [];
  for (const flag of flags) {
    const names = `${flag.short === undefined ? "    " : `-${flag.short}, `}--${flag.name}${flag.value === undefined ? "" : ` ${flag.value}`}`;
    const words = `${flag.help}${flag.multiple === true ? " (repeatable)" : ""}`.split(/\s+/);
    const wrapped: string[] = [];
    let line = "";
    for (const word of words) {
      if (line !== "" && line.length + 1 + word.length > WIDTH - HELP_COLUMN) {
        wrapped.push(line);
        line = word;
      } else {
        line = line === "" ? word : `${line} ${word}`;
      }
    }
    wrapped.push(line);
    const left = `  ${names}`;
    if (left.length + 2 > HELP_COLUMN) {
      lines.push(left);
    } else {
      lines.push(`${left.padEnd(HELP_COLUMN)}${wrapped.shift()}`);
    }
    for (const rest of wrapped) lines.push(`${" ".repeat(HELP_COLUMN)}${rest}`);
  }
  return lines.join("\n");
}
