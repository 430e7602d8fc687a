// `regc <command> ...`: finds the command in COMMANDS, parses its arguments
// and runs it. Commands are loaded on demand so that `regc --help` or
// `regc check` does not pay for the code generator.
import { createRequire } from 'node:module';
import { suggest } from '../compiler/registry/suggest.ts';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command, type OptionSpecs } from './command.ts';
import { useColor } from './color.ts';
import { commandHelp, topLevelHelp } from './help.ts';
import { parseCommandLine, parseTopLevel } from './parse-args.ts';
import { renderError } from './report.ts';

export interface CommandEntry {
  readonly name: string;
  /** One line, lowercase, for `regc --help`; also the first line of the command's own help. */
  readonly summary: string;
  load(): Promise<Command<OptionSpecs>>;
}

/** To add a command: write cli/commands/<name>.ts exporting a Command, and add one entry here. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'check',
    summary: 'report syntax and semantic errors in .reg files',
    load: async () => (await import('./commands/check.ts')).checkCommand,
  },
  {
    name: 'fmt',
    summary: 'format .reg files in the canonical layout',
    load: async () => (await import('./commands/fmt.ts')).fmtCommand,
  },
  {
    name: 'compile',
    summary: 'compile a spec to a WGSL bundle (manifest, shaders, weights)',
    load: async () => (await import('./commands/compile.ts')).compileCommand,
  },
  {
    name: 'run',
    summary: 'run a compiled bundle on the local WebGPU device',
    load: async () => (await import('./commands/run.ts')).runCommand,
  },
  {
    name: 'schedule',
    summary: 'compute the lr of every step of a training run, as torch\'s schedulers do',
    load: async () => (await import('./commands/schedule.ts')).scheduleCommand,
  },
  {
    name: 'grad',
    summary: 'one forward and backward pass: the output, loss and every gradient',
    load: async () => (await import('./commands/grad.ts')).gradCommand,
  },
  {
    name: 'step',
    summary: 'K optimizer steps on one batch: losses, lrs, weights, optimizer state',
    load: async () => (await import('./commands/step.ts')).stepCommand,
  },
  {
    name: 'golden',
    summary: 'record or check golden outputs of a compiled bundle',
    load: async () => (await import('./commands/golden.ts')).goldenCommand,
  },
  {
    name: 'explain',
    summary: 'explain a diagnostic code, with an example',
    load: async () => (await import('./commands/explain.ts')).explainCommand,
  },
];

export function version(): string {
  // By the package's own name, so it resolves from the sources and from dist/.
  return (createRequire(import.meta.url)('regc/package.json') as { version: string }).version;
}

export async function main(args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(renderUsageError(error, useColor('auto', io.stderr, io.env)));
    return EXIT_USAGE;
  }
}

async function dispatch(args: readonly string[], io: CliIo): Promise<number> {
  const help = () => topLevelHelp(version(), COMMANDS);
  const line = parseTopLevel(args, { version: `regc ${version()}`, help });
  if (line.kind === 'print') {
    io.stdout.write(line.text);
    return EXIT_OK;
  }
  if (line.name === undefined) {
    io.stderr.write(help());
    return EXIT_USAGE;
  }

  if (line.name === 'help') {
    const [topic] = line.args;
    if (topic === undefined) {
      io.stdout.write(help());
      return EXIT_OK;
    }
    const entry = findCommand(topic);
    io.stdout.write(commandHelp(await entry.load(), entry.summary));
    return EXIT_OK;
  }

  const entry = findCommand(line.name);
  const command = await entry.load();
  const parsed = parseCommandLine(command, line.args, () => commandHelp(command, entry.summary));
  if (parsed.kind === 'print') {
    io.stdout.write(parsed.text);
    return EXIT_OK;
  }
  return command.run(parsed.invocation, io);
}

function findCommand(name: string): CommandEntry {
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry) return entry;
  const [close] = suggest(name, COMMANDS.map((c) => c.name));
  throw new UsageError(`unknown command \`${name}\``, close !== undefined ? `there is a command with a similar name: \`${close}\`` : undefined);
}

function renderUsageError(error: UsageError, color: boolean): string {
  const seeAlso = error.command ? `regc ${error.command} --help` : 'regc --help';
  return renderError(error.message, { help: error.help, notes: [`run \`${seeAlso}\` for usage`] }, color);
}
