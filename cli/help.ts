// Help text, built from the same data that parses the arguments.
import type { Command, OptionSpec, OptionSpecs } from './command.ts';

export interface CommandSummary {
  readonly name: string;
  readonly summary: string;
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

export function commandHelp(command: Command<OptionSpecs>, summary: string): string {
  const options: [string, OptionSpec][] = [...Object.entries(command.options), ['help', HELP_OPTION]];
  const lines = [
    capitalise(summary),
    '',
    `Usage: regc ${command.name} ${command.usage}`,
    '',
    ...command.description.trim().split('\n'),
    '',
    'Options:',
    ...table(options.map(([name, spec]) => [optionSyntax(name, spec), optionDescription(spec)])),
    '',
    command.examples.length === 1 ? 'Example:' : 'Examples:',
    ...command.examples.flatMap((e) => [`  ${e.command}`, `      ${e.meaning}`]),
  ];
  return lines.join('\n') + '\n';
}

export function topLevelHelp(version: string, commands: readonly CommandSummary[]): string {
  const lines = [
    `regc ${version}: compile .reg model specs to WGSL compute bundles`,
    '',
    'Usage: regc <command> [options] [arguments]',
    '',
    'Commands:',
    ...table(commands.map((c) => [c.name, c.summary])),
    '',
    'Options:',
    ...table([
      ['-h, --help', 'show this help'],
      ['-V, --version', 'print the version and exit'],
    ]),
    '',
    'Run `regc <command> --help` (or `regc help <command>`) for the options of a command.',
    '',
    'Example:',
    '  regc check specs/fashion.reg',
    '      report syntax and semantic errors in a spec',
  ];
  return lines.join('\n') + '\n';
}

function optionSyntax(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const value = spec.type === 'string' ? ` <${spec.choices ? spec.choices.join('|') : spec.valueName}>` : '';
  return `${short}--${name}${value}`;
}

function optionDescription(spec: OptionSpec): string {
  return spec.type === 'string' && spec.default !== undefined ? `${spec.description} (default: ${spec.default})` : spec.description;
}

const HELP_WIDTH = 80;

/**
 * Two columns, the second wrapped to HELP_WIDTH; a first column too wide for
 * the layout puts its description on the next line.
 */
function table(rows: readonly (readonly [string, string])[]): string[] {
  const widest = Math.min(24, Math.max(...rows.map(([left]) => left.length)));
  const indent = ' '.repeat(2 + widest + 2);
  return rows.flatMap(([left, right]) => {
    const wrapped = wrap(right, HELP_WIDTH - indent.length);
    const [first = '', ...rest] = wrapped;
    const head = left.length > widest ? [`  ${left}`, indent + first] : [`  ${left.padEnd(widest)}  ${first}`];
    return [...head, ...rest.map((line) => indent + line)];
  });
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
