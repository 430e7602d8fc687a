// The argument parser on its own, against a made-up command: how a line is
// split into options and operands, and the wording of each usage mistake.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineCommand, EXIT_OK, UsageError } from '../../cli/command.ts';
import { parseCommandLine, parseTopLevel, type CommandLine } from '../../cli/parse-args.ts';

const build = defineCommand({
  name: 'build',
  usage: '[options] FILE...',
  description: 'Builds things.',
  options: {
    output: { type: 'string', short: 'o', valueName: 'dir', description: 'where to' },
    format: { type: 'string', valueName: 'format', choices: ['folder', 'esm'], default: 'folder', description: 'how' },
    seed: { type: 'string', valueName: 'n', default: '0', description: 'seed' },
    input: { type: 'string', short: 'i', valueName: 'NAME=FILE,...', description: 'inputs' },
    force: { type: 'boolean', short: 'f', description: 'replace' },
    quiet: { type: 'boolean', short: 'q', description: 'say less' },
    'no-opt': { type: 'boolean', description: 'skip the optimiser' },
    'dump-ir': { type: 'boolean', description: 'print the IR' },
  },
  positionals: { name: 'FILE', min: 1, max: 2 },
  examples: [{ command: 'regc build a.reg', meaning: 'build' }],
  run: async () => EXIT_OK,
});

const HELP = 'the help of build\n';

function parse(...args: string[]): CommandLine<typeof build.options> {
  return parseCommandLine(build, args, () => HELP);
}

function invocation(...args: string[]) {
  const line = parse(...args);
  if (line.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(line)}`);
  return line.invocation;
}

function mistake(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

const usage = (...args: string[]) => mistake(() => parse(...args));

describe('splitting a command line', () => {
  it('gives defaults for what is not on the line: false, the default, or undefined', () => {
    expect(invocation('a.reg')).toEqual({
      options: { output: undefined, format: 'folder', seed: '0', input: undefined, force: false, quiet: false, 'no-opt': false, 'dump-ir': false },
      positionals: ['a.reg'],
    });
  });

  it('reads values in every form: separate, after =, glued to a short flag', () => {
    expect(invocation('--output', 'out', 'a.reg').options.output).toBe('out');
    expect(invocation('--output=out', 'a.reg').options.output).toBe('out');
    expect(invocation('-o', 'out', 'a.reg').options.output).toBe('out');
    expect(invocation('-oout', 'a.reg').options.output).toBe('out');
    expect(invocation('--output=a=b', 'a.reg').options.output).toBe('a=b');
    expect(invocation('-i', 'x=a.npy,y=b.npy', 'a.reg').options.input).toBe('x=a.npy,y=b.npy');
  });

  it('takes the next argument as the value even when it starts with a dash', () => {
    expect(invocation('--seed', '-1', 'a.reg').options.seed).toBe('-1');
    expect(invocation('-o', '--force', 'a.reg').options).toMatchObject({ output: '--force', force: false });
  });

  it('keeps the last of a repeated option', () => {
    expect(invocation('--format', 'esm', '--format', 'folder', 'a.reg').options.format).toBe('folder');
    expect(invocation('-f', '--force', 'a.reg').options.force).toBe(true);
  });

  it('reads a group of short flags, a value last', () => {
    expect(invocation('-fq', 'a.reg').options).toMatchObject({ force: true, quiet: true });
    expect(invocation('-fqo', 'out', 'a.reg').options).toMatchObject({ force: true, quiet: true, output: 'out' });
  });

  it('treats --no-opt as a flag of its own, not as the negation of an --opt', () => {
    expect(invocation('--no-opt', '--dump-ir', 'a.reg').options).toMatchObject({ 'no-opt': true, 'dump-ir': true });
    expect(usage('--opt', 'a.reg').message).toBe('unknown option `--opt` for `regc build`');
  });

  it('takes options anywhere, `-` as an operand, and everything after `--` as operands', () => {
    expect(invocation('a.reg', '-f', '-')).toEqual(expect.objectContaining({ positionals: ['a.reg', '-'] }));
    expect(invocation('--', '--force', '-o').positionals).toEqual(['--force', '-o']);
    expect(invocation('-f', '--', '--help').options.force).toBe(true);
  });

  it('prints our help for -h or --help, before looking at the rest of the line', () => {
    expect(parse('--help')).toEqual({ kind: 'print', text: HELP });
    expect(parse('-h')).toEqual({ kind: 'print', text: HELP });
    expect(parse('--bogus', '--help')).toEqual({ kind: 'print', text: HELP });
    expect(parse('a.reg', 'b.reg', 'c.reg', '--help')).toEqual({ kind: 'print', text: HELP });
    expect(parse('--format', 'zip', '--help')).toEqual({ kind: 'print', text: HELP });
    expect(parse('--help', '--output')).toEqual({ kind: 'print', text: HELP });
  });
});

describe('usage mistakes', () => {
  it('an unknown option, with the closest known one', () => {
    const error = usage('a.reg', '--ouput', 'o');
    expect(error.message).toBe('unknown option `--ouput` for `regc build`');
    expect(error.help).toBe('there is an option with a similar name: `--output`');
    expect(error.command).toBe('build');
    expect(usage('--ouput=o', 'a.reg').message).toBe('unknown option `--ouput` for `regc build`');
    expect(usage('--hlep').help).toBe('there is an option with a similar name: `--help`');
    expect(usage('--zzzzzz', 'a.reg').help).toBeUndefined();
  });

  it('names the unknown letter of a group of short flags', () => {
    expect(usage('-fx', 'a.reg').message).toBe('unknown option `-x` for `regc build`');
    expect(usage('-xf', 'a.reg').message).toBe('unknown option `-x` for `regc build`');
    // Commander leaves -h, its help flag, in the group it could not read.
    expect(usage('-hx', 'a.reg').message).toBe('unknown option `-x` for `regc build`');
  });

  it('a value given to a flag that takes none', () => {
    expect(usage('--force=yes', 'a.reg').message).toBe('option `--force` does not take a value');
    expect(usage('--help=yes').message).toBe('option `--help` does not take a value');
  });

  it('an option that needs a value at the end of the line', () => {
    expect(usage('a.reg', '--output').message).toBe('option `--output` needs a value <dir>');
    expect(usage('a.reg', '-o').message).toBe('option `--output` needs a value <dir>');
    expect(usage('a.reg', '-fo').message).toBe('option `--output` needs a value <dir>');
    expect(usage('a.reg', '--format').message).toBe('option `--format` needs a value: folder, esm');
  });

  it('a value outside the choices, with the closest one or the list', () => {
    const close = usage('--format', 'es', 'a.reg');
    expect(close.message).toBe('invalid value `es` for `--format`');
    expect(close.help).toBe('there is a value with a similar name: `esm`');
    expect(usage('--format=zip', 'a.reg').help).toBe('possible values: folder, esm');
  });

  it('reports an unknown option first, then the first bad value, then the count of operands', () => {
    expect(usage('--format', 'zip', '--bogus', 'a.reg').message).toBe('unknown option `--bogus` for `regc build`');
    expect(usage('--format', 'zip', '--format', 'tar', '-o').message).toBe('invalid value `zip` for `--format`');
    expect(usage('a', 'b', 'c', '--output').message).toBe('option `--output` needs a value <dir>');
  });

  it('too few or too many operands', () => {
    expect(usage().message).toBe('`regc build` needs a FILE');
    expect(usage('-f').message).toBe('`regc build` needs a FILE');
    expect(usage('a', 'b', 'c').message).toBe('`regc build` takes at most 2 FILE arguments');
    const three = defineCommand({ ...build, positionals: { name: 'ARG', min: 3 } });
    expect(mistake(() => parseCommandLine(three, ['a'], () => HELP)).message).toBe('`regc build` needs at least 3 ARG arguments');
  });
});

describe('the top level', () => {
  const top = (...args: string[]) => parseTopLevel(args, { version: 'regc 9.9.9', help: () => 'top help\n' });

  it('prints the version or the help', () => {
    expect(top('--version')).toEqual({ kind: 'print', text: 'regc 9.9.9\n' });
    expect(top('-V', 'check')).toEqual({ kind: 'print', text: 'regc 9.9.9\n' });
    expect(top('--help')).toEqual({ kind: 'print', text: 'top help\n' });
    expect(top('-h')).toEqual({ kind: 'print', text: 'top help\n' });
  });

  it('leaves everything from the command name on to the command', () => {
    expect(top('check', '--version', '-h', '--', 'x')).toEqual({ kind: 'command', name: 'check', args: ['--version', '-h', '--', 'x'] });
    expect(top()).toEqual({ kind: 'command', name: undefined, args: [] });
  });

  it('an unknown option before the command, with a suggestion', () => {
    const error = mistake(() => top('--verison'));
    expect(error.message).toBe('unknown option `--verison`');
    expect(error.help).toBe('there is an option with a similar name: `--version`');
    expect(error.command).toBeUndefined();
  });
});

describe('output', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never writes to the process streams itself (the CLI also runs in-process)', () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    parse('--help');
    parseTopLevel(['--version'], { version: 'v', help: () => '' });
    for (const line of [['--bogus'], ['-o'], ['--format', 'zip'], []]) usage(...line);
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
  });
});

describe('a repeatable option', () => {
  const feed = defineCommand({
    name: 'feed',
    usage: '[options] FILE',
    description: 'Feeds things.',
    options: {
      input: { type: 'string', short: 'i', valueName: 'file', multiple: true, description: 'inputs' },
      kind: { type: 'string', valueName: 'kind', multiple: true, choices: ['a', 'b'], description: 'kinds' },
      output: { type: 'string', short: 'o', valueName: 'dir', description: 'where to' },
    },
    positionals: { name: 'FILE', min: 1, max: 1 },
    examples: [{ command: 'regc feed a.reg', meaning: 'feed' }],
    run: async () => EXIT_OK,
  });
  const feedInvocation = (...args: string[]) => {
    const line = parseCommandLine(feed, args, () => HELP);
    if (line.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(line)}`);
    return line.invocation;
  };

  it('keeps every value, in order, in every form', () => {
    expect(feedInvocation('-i', 'a=x.npy', '--input', 'b=y.npy', '--input=c=z.npy', '-iw.npy', 'a.reg').options.input).toEqual(['a=x.npy', 'b=y.npy', 'c=z.npy', 'w.npy']);
    expect(feedInvocation('a.reg', '-i', 'a=x.npy,b=y.npy').options.input).toEqual(['a=x.npy,b=y.npy']);
  });

  it('is an empty list when not given, and leaves other options as they were', () => {
    expect(feedInvocation('a.reg').options).toEqual({ input: [], kind: [], output: undefined });
    expect(feedInvocation('-o', 'x', '-o', 'y', '-i', 'q', 'a.reg').options).toEqual({ input: ['q'], kind: [], output: 'y' });
  });

  it('checks each value against its choices', () => {
    expect(feedInvocation('--kind', 'a', '--kind', 'b', 'a.reg').options.kind).toEqual(['a', 'b']);
    const error = mistake(() => parseCommandLine(feed, ['--kind', 'a', '--kind', 'c', 'a.reg'], () => HELP));
    expect(error.message).toBe('invalid value `c` for `--kind`');
  });

  it('needs a value each time', () => {
    expect(mistake(() => parseCommandLine(feed, ['a.reg', '-i', 'x.npy', '--input'], () => HELP)).message).toBe('option `--input` needs a value <file>');
  });
});
