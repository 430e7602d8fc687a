// Command-line parsing on top of node:util parseArgs. parseArgs runs
// non-strict so that every mistake comes back as a token we can explain
// (with a suggestion) instead of as its own terse exception.
import { parseArgs } from 'node:util';
import { suggest } from '../compiler/registry/suggest.ts';
import { UsageError, type Command, type Invocation, type OptionSpecs, type OptionValues } from './command.ts';

/** Every command takes `--help`; main.ts looks at it before running anything. */
export interface ParsedCommandLine<O extends OptionSpecs> extends Invocation<O> {
  readonly help: boolean;
}

type ParseArgsOptions = Record<string, { type: 'boolean' | 'string'; short?: string }>;

export function parseCommandLine<O extends OptionSpecs>(command: Command<O>, args: readonly string[]): ParsedCommandLine<O> {
  const config: ParseArgsOptions = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(command.options)) {
    config[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  const { tokens } = parseArgs({ args: [...args], options: config, strict: false, allowPositionals: true, tokens: true });

  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(command.options)) values[name] = spec.type === 'boolean' ? false : spec.default;
  const positionals: string[] = [];
  let help = false;

  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    if (token.name === 'help') {
      help = true;
      continue;
    }
    const spec = command.options[token.name];
    if (!spec) throw unknownOption(token.rawName, Object.keys(command.options), command.name);
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`option \`--${token.name}\` does not take a value`, undefined, command.name);
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined) {
      const expected = spec.choices ? `: ${spec.choices.join(', ')}` : ` <${spec.valueName}>`;
      throw new UsageError(`option \`--${token.name}\` needs a value${expected}`, undefined, command.name);
    }
    if (spec.choices && !spec.choices.includes(token.value)) {
      const [close] = suggest(token.value, spec.choices);
      throw new UsageError(
        `invalid value \`${token.value}\` for \`--${token.name}\``,
        close !== undefined ? `there is a value with a similar name: \`${close}\`` : `possible values: ${spec.choices.join(', ')}`,
        command.name,
      );
    }
    values[token.name] = token.value;
  }

  // Help must work even when the rest of the line is incomplete.
  if (!help) checkPositionals(command, positionals);
  return { help, options: values as OptionValues<O>, positionals };
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
export function unknownOption(rawName: string, known: readonly string[], commandName?: string): UsageError {
  const where = commandName ? ` for \`regc ${commandName}\`` : '';
  const written = rawName.replace(/^-+/, '');
  const [close] = suggest(written, [...known, 'help']);
  const help = close !== undefined ? `there is an option with a similar name: \`--${close}\`` : undefined;
  return new UsageError(`unknown option \`${rawName}\`${where}`, help, commandName);
}
