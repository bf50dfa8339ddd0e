import { UsageError, parseCommandLine } from "./args.js";
import type { Command } from "./command.js";
import { CONNECT_FLAGS } from "./connect-flags.js";
import { ExitCode } from "./exit-codes.js";

const USAGE = `Usage: kite completion <bash|zsh|fish>

Prints a shell completion script for kite: commands, each command's options,
the values of -b/--binary and files for --ca, --cert and --key.

  bash:  source <(kite completion bash)         (or save it in
         ~/.local/share/bash-completion/completions/kite)
  zsh:   source <(kite completion zsh)          (after compinit)
  fish:  kite completion fish > ~/.config/fish/completions/kite.fish

Exit status:
  0    printed
  2    usage error (a shell kite has no script for)
`;

const OPTIONS = { help: { type: "boolean", short: "h" } } as const;

/** Options whose value is a file name. */
const FILE_OPTIONS = ["ca", "cert", "key"];

/** What completion needs of a command: its name, summary, and its options' names. */
interface CompletedCommand {
  readonly name: string;
  readonly summary: string;
  /** "--header", "-H", ... */
  readonly flags: readonly string[];
}

function describeCommands(commands: readonly Command[]): CompletedCommand[] {
  return commands.map((command) => ({
    name: command.name,
    summary: command.summary,
    flags: Object.entries(command.options).flatMap(([name, option]) => [`--${name}`, ...(option.short === undefined ? [] : [`-${option.short}`])]),
  }));
}

/** Options that take one of a fixed set of values, with the values ("-b" and "--binary": hex base64 raw). */
function choices(): [string[], string][] {
  return CONNECT_FLAGS.filter((flag) => flag.choices !== undefined).map((flag) => [
    [`--${flag.name}`, ...(flag.short === undefined ? [] : [`-${flag.short}`])],
    flag.choices!.join(" "),
  ]);
}

/** The bash script: one function, `complete -F`. A first word that is not a command is `kite <url>`, so it gets connect's options. */
export function bashCompletion(commands: readonly Command[]): string {
  const described = describeCommands(commands);
  const names = described.map((command) => command.name);
  const connect = described.find((command) => command.name === "connect")!;
  const fileCase = FILE_OPTIONS.map((name) => `--${name}`).join("|");
  const choiceCases = choices().map(([flags, values]) => `    ${flags.join("|")}) COMPREPLY=($(compgen -W "${values}" -- "$cur")); return ;;`).join("\n");
  const perCommand = described.filter((command) => command.name !== "completion").map((command) => `    ${command.name}) words="${command.flags.join(" ")}" ;;`).join("\n");
  return `# bash completion for kite: source <(kite completion bash)
_kite() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" command="" words word
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in
      ${names.join("|")}|help) command="$word"; break ;;
    esac
  done
  case "$prev" in
    ${fileCase}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
${choiceCases}
  esac
  case "$command" in
${perCommand}
    help) words="${names.join(" ")}" ;;
    completion) words="bash zsh fish --help" ;;
    *)
      if [[ $COMP_CWORD -eq 1 && $cur != -* ]]; then
        words="${names.join(" ")} help"
      else
        words="${connect.flags.join(" ")} --version"
      fi ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _kite kite
`;
}

/** The zsh script: a completion function registered with compdef. */
export function zshCompletion(commands: readonly Command[]): string {
  const described = describeCommands(commands);
  const connect = described.find((command) => command.name === "connect")!;
  const commandList = described.map((command) => `'${command.name}:${command.summary.replace(/'/g, "'\\''").replace(/:/g, "\\:")}'`).join(" ");
  const choiceCases = choices().map(([flags, values]) => `    ${flags.join("|")}) compadd -- ${values}; return ;;`).join("\n");
  const perCommand = described.filter((command) => command.name !== "completion").map((command) => `    ${command.name}) compadd -- ${command.flags.join(" ")} ;;`).join("\n");
  return `#compdef kite
# zsh completion for kite: source <(kite completion zsh), after compinit
_kite() {
  local -a commands
  commands=(${commandList} 'help:Show help for kite or for a command')
  case $words[CURRENT-1] in
    ${FILE_OPTIONS.map((name) => `--${name}`).join("|")}) _files; return ;;
${choiceCases}
  esac
  if (( CURRENT == 2 )) && [[ $words[CURRENT] != -* ]]; then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${perCommand}
    help) _describe 'command' commands ;;
    completion) compadd -- bash zsh fish ;;
    *) compadd -- ${connect.flags.join(" ")} --version ;;
  esac
}
compdef _kite kite
`;
}

/** The fish script: one `complete` line per command and per option, with its help as description. */
export function fishCompletion(commands: readonly Command[]): string {
  const names = commands.map((command) => command.name);
  const quote = (text: string): string => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const lines = [
    "# fish completion for kite: kite completion fish > ~/.config/fish/completions/kite.fish",
    "complete -c kite -f",
    ...commands.map((command) => `complete -c kite -n __fish_use_subcommand -a ${command.name} -d ${quote(command.summary)}`),
    "complete -c kite -n __fish_use_subcommand -a help -d 'Show help for kite or for a command'",
    "complete -c kite -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'",
    "complete -c kite -n '__fish_seen_subcommand_from help' -a " + quote(names.join(" ")),
  ];
  for (const command of commands) {
    // connect's options also apply to `kite <url>`: any first word that is no other command.
    const condition = command.name === "connect" ? `not __fish_seen_subcommand_from ${names.filter((name) => name !== "connect").join(" ")} help` : `__fish_seen_subcommand_from ${command.name}`;
    const helps = new Map(command.name === "connect" ? CONNECT_FLAGS.map((flag) => [flag.name, flag] as const) : []);
    for (const [name, option] of Object.entries(command.options)) {
      const flag = helps.get(name);
      const parts = [`complete -c kite -n ${quote(condition)}`, `-l ${name}`];
      if (option.short !== undefined) parts.push(`-s ${option.short}`);
      if (option.type === "string") parts.push(FILE_OPTIONS.includes(name) ? "-r -F" : "-r");
      if (flag?.choices !== undefined) parts.push(`-a ${quote(flag.choices.join(" "))}`);
      if (flag !== undefined) parts.push(`-d ${quote(flag.help.split(/[.;(]/)[0].trim())}`);
      lines.push(parts.join(" "));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** `kite completion <shell>`; `commands` is read when it runs, so the list may include this command. */
export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: "completion",
    summary: "Print a shell completion script (bash, zsh or fish)",
    usage: USAGE,
    options: OPTIONS,
    async run(args, io) {
      const { values, positionals } = parseCommandLine(args, OPTIONS, "completion");
      if (values.help === true) {
        io.stdout.write(USAGE);
        return ExitCode.OK;
      }
      if (positionals.length !== 1) throw new UsageError("takes one shell: bash, zsh or fish", "completion");
      const shell = positionals[0];
      const script = shell === "bash" ? bashCompletion(commands()) : shell === "zsh" ? zshCompletion(commands()) : shell === "fish" ? fishCompletion(commands()) : null;
      if (script === null) throw new UsageError(`no completion for ${JSON.stringify(shell)}: bash, zsh or fish`, "completion");
      io.stdout.write(script);
      return ExitCode.OK;
    },
  };
}
