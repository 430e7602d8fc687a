// Command-line parsing on commander. Each command's OptionSpecs become a
// commander Command, which splits the line (`--opt value`, `--opt=value`,
// `-o value`, `-ovalue`, grouped short flags, `--`, `-` as an operand; a
// `multiple` option keeps every value it is given, in order) and
// answers `--help` and `--version`. The mistakes it finds come back as
// UsageErrors in regc's wording, with a suggestion where one is close, so
// main.ts renders them like every other error.
import { Command as Parser, CommanderError, Option } from 'commander';
import { suggest } from '../compiler/registry/suggest.ts';
import { UsageError, type Command, type Invocation, type OptionSpec, type OptionSpecs, type OptionValues } from './command.ts';

/** What a command line asks for: a text to print (help, version), or a run. */
export type CommandLine<O extends OptionSpecs> =
  | { readonly kind: 'print'; readonly text: string }
  | { readonly kind: 'run'; readonly invocation: Invocation<O> };

/** `regc [options] <command> ...`, up to the command's name; the rest is the command's to parse. */
export type TopLevelLine =
  | { readonly kind: 'print'; readonly text: string }
  | { readonly kind: 'command'; readonly name: string | undefined; readonly args: readonly string[] };

export function parseTopLevel(args: readonly string[], texts: { readonly version: string; readonly help: () => string }): TopLevelLine {
  const parser = new RegcParser(undefined, {}, texts.help)
    .version(texts.version, '-V, --version')
    // Everything from the command's name on belongs to that command.
    .passThroughOptions()
    .argument('[command]')
    .argument('[arguments...]');
  const printed = parser.run(args);
  if (printed !== undefined) return { kind: 'print', text: printed };
  const [name, ...rest] = parser.args;
  return { kind: 'command', name, args: rest };
}

export function parseCommandLine<O extends OptionSpecs>(command: Command<O>, args: readonly string[], help: () => string): CommandLine<O> {
  const parser = new RegcParser(command.name, command.options, help).argument(`[${command.positionals.name}...]`);
  const options = Object.entries(command.options).map(([name, spec]) => [name, parser.addSpec(name, spec)] as const);

  const printed = parser.run(args);
  if (printed !== undefined) return { kind: 'print', text: printed };

  const values: Record<string, string | readonly string[] | boolean | undefined> = {};
  for (const [name, option] of options) {
    const value = parser.getOptionValue(option.attributeName()) as string | readonly string[] | boolean | undefined;
    const spec = command.options[name]!;
    values[name] = value ?? (spec.type === 'boolean' ? false : spec.multiple ? [] : undefined);
  }
  const positionals = parser.args;
  checkPositionals(command, positionals);
  return { kind: 'run', invocation: { options: values as OptionValues<O>, positionals } };
}

const HELP_FLAGS = ['-h', '--help'];

/**
 * A commander Command that prints into a string instead of process.stdout
 * (the CLI also runs in-process, in tests) and throws instead of exiting.
 * Its hooks for the commonest mistakes make UsageErrors in regc's wording;
 * any other mistake commander finds keeps commander's wording. The hooks
 * (unknownOption, optionMissingArgument) are methods commander calls on
 * itself but leaves out of its typings, so tests/cli/parse-args.test.ts pins
 * every message: a commander that stopped calling them fails there.
 *
 * Help must work even when the rest of the line is wrong, so the mistakes
 * come out in this order: --help (answered first by commander), an unknown
 * option, the first bad or missing value, then the count of operands.
 */
class RegcParser extends Parser {
  private printed = '';
  /** Kept until commander has looked for --help, which it does after reading every value. */
  private valueMistake: UsageError | undefined;

  constructor(
    /** The regc command, for messages; undefined at the top level. */
    private readonly commandName: string | undefined,
    private readonly specs: OptionSpecs,
    help: () => string,
  ) {
    super(commandName ?? 'regc');
    this.exitOverride()
      .configureOutput({
        writeOut: (text) => void (this.printed += text),
        // Errors reach the user as UsageErrors, rendered by main.ts.
        writeErr: () => {},
        outputError: () => {},
        getOutHasColors: () => false,
        getErrHasColors: () => false,
      })
      .configureHelp({ formatHelp: () => help() })
      .helpOption(HELP_FLAGS.join(', '), 'show this help');
  }

  /** Parses `args`; returns the text commander printed for --help or --version, if it did. */
  run(args: readonly string[]): string | undefined {
    try {
      this.parse([...args], { from: 'user' });
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      if (error.exitCode === 0) return this.printed;
      throw new UsageError(error.message.replace(/^error: /, ''), undefined, this.commandName);
    }
    if (this.valueMistake) throw this.valueMistake;
    return undefined;
  }

  addSpec(name: string, spec: OptionSpec): Option {
    // Commander reads the value's name from the flags; ours is shown by help.ts
    // only, and may hold characters (`NAME=FILE,...`) commander would split on.
    const flags = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    const option = new Option(flags, spec.description);
    // `--no-opt` is a flag of its own, not commander's negation of an `--opt`.
    option.negate = false;
    if (spec.type === 'string') {
      // Commander would hand a default to the first value as the list so far.
      if (spec.multiple && spec.default !== undefined) throw new Error(`option --${name}: a repeatable option takes no default`);
      if (spec.default !== undefined) option.default(spec.default);
      const { choices, multiple } = spec;
      if (choices || multiple) {
        option.argParser((value: string, previous: string | readonly string[] | undefined) => {
          if (choices) this.valueMistake ??= choiceMistake(name, value, choices, this.commandName);
          return multiple ? [...((previous as readonly string[] | undefined) ?? []), value] : value;
        });
      }
    }
    this.addOption(option);
    return option;
  }

  /** Commander's hook for the first option on the line that it does not know. */
  unknownOption(flag: string): never {
    const known = [...HELP_FLAGS, ...this.options.flatMap((option) => [option.long, option.short])];
    const longNames = this.options.flatMap((option) => (option.long ? [option.long.slice(2)] : []));
    if (flag.startsWith('--')) {
      // `--ouput=x` is reported as `--ouput`; a known option lands here with `=value` only when it takes none.
      const written = flag.replace(/=.*$/, '');
      if (written !== flag && known.includes(written)) {
        throw new UsageError(`option \`${written}\` does not take a value`, undefined, this.commandName);
      }
      throw unknownOptionError(written, longNames, this.commandName);
    }
    // In a group of short flags (`-wx`) the first that is not an option is the one to name.
    const letters = Array.from(flag.slice(1));
    const stranger = letters.find((letter) => !known.includes(`-${letter}`)) ?? letters[0];
    throw unknownOptionError(`-${stranger}`, longNames, this.commandName);
  }

  /** Commander's hook for an option that needs a value and ends the line. */
  optionMissingArgument(option: Option): void {
    const name = option.long?.slice(2) ?? '';
    const spec = this.specs[name];
    const expected = spec?.type !== 'string' ? '' : spec.choices ? `: ${spec.choices.join(', ')}` : ` <${spec.valueName}>`;
    this.valueMistake ??= new UsageError(`option \`--${name}\` needs a value${expected}`, undefined, this.commandName);
  }
}

function choiceMistake(name: string, value: string, choices: readonly string[], commandName: string | undefined): UsageError | undefined {
  if (choices.includes(value)) return undefined;
  const [close] = suggest(value, choices);
  return new UsageError(
    `invalid value \`${value}\` for \`--${name}\``,
    close !== undefined ? `there is a value with a similar name: \`${close}\`` : `possible values: ${choices.join(', ')}`,
    commandName,
  );
}

function checkPositionals(command: Command<OptionSpecs>, positionals: readonly string[]): void {
  const { name, min, max } = command.positionals;
  if (positionals.length < min) {
    throw new UsageError(`\`regc ${command.name}\` needs ${min === 1 ? `a ${name}` : `at least ${min} ${name} arguments`}`, undefined, command.name);
  }
  if (max !== undefined && positionals.length > max) {
    throw new UsageError(`\`regc ${command.name}\` takes at most ${max} ${name} argument${max === 1 ? '' : 's'}`, undefined, command.name);
  }
}

/** `rawName` is the option as written: `--fromat` or `-x`. */
function unknownOptionError(rawName: string, known: readonly string[], commandName?: string): UsageError {
  const where = commandName ? ` for \`regc ${commandName}\`` : '';
  const written = rawName.replace(/^-+/, '');
  const [close] = suggest(written, [...known, 'help']);
  const help = close !== undefined ? `there is an option with a similar name: \`--${close}\`` : undefined;
  return new UsageError(`unknown option \`${rawName}\`${where}`, help, commandName);
}
