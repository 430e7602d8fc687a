// `regc fmt FILE...`: print, check or rewrite files in the canonical layout.
import { writeFile } from 'node:fs/promises';
import { hasErrors } from '../../diagnostics/diagnostic.ts';
import { renderDiagnostics, renderSummary } from '../../diagnostics/render.ts';
import { format } from '../../grammar/format.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';
import { COLOR_OPTION, useColor } from '../color.ts';
import { defineCommand, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, UsageError, type CliIo } from '../command.ts';
import { readSource } from '../read-source.ts';
import { renderError } from '../report.ts';
import { sameSyntax } from '../same-syntax.ts';

export const fmtCommand = defineCommand({
  name: 'fmt',
  usage: '[--check | --write] [options] FILE...',
  description: `
Formats .reg files in the one canonical layout: two-space indentation, one
statement per line, one blank line between items, chains on one line up to
100 columns. Comments are kept. With no flag, the formatted text of the one
FILE is printed (\`-\` reads standard input). A file with syntax errors is not
formatted: its errors are printed instead.

Exit status: 0 on success, 1 when a file has syntax errors or (with --check)
would change, 2 on a usage error or a file that cannot be read.`,
  options: {
    check: { type: 'boolean', description: 'list the files that are not formatted, change nothing; exit 1 if any' },
    write: { type: 'boolean', short: 'w', description: 'rewrite the files in place' },
    color: COLOR_OPTION,
  },
  positionals: { name: 'FILE', min: 1 },
  examples: [
    { command: 'regc fmt specs/fashion.reg', meaning: 'print the formatted spec' },
    { command: 'regc fmt --write specs/*.reg', meaning: 'format every spec in place' },
    { command: 'regc fmt --check specs/*.reg', meaning: 'in CI: fail when a spec is not formatted' },
  ],

  async run({ options, positionals }, io) {
    if (options.check && options.write) throw new UsageError('`--check` and `--write` cannot be used together', undefined, 'fmt');
    if (options.write && positionals.includes('-')) throw new UsageError('`--write` cannot rewrite standard input', undefined, 'fmt');
    if (!options.check && !options.write && positionals.length > 1) {
      throw new UsageError(
        'printing the formatted text takes exactly one FILE',
        'use `--write` to format several files in place, or `--check` to list those that would change',
        'fmt',
      );
    }
    const color = useColor(options.color, io.stderr, io.env);
    let status = EXIT_OK;
    for (const path of positionals) {
      const outcome = await formatOne(path, io, color);
      if (outcome.kind === 'failed') {
        status = Math.max(status, outcome.status);
        continue;
      }
      const changed = outcome.formatted !== outcome.source.text;
      if (options.check) {
        if (changed) {
          io.stdout.write(`${outcome.source.path}\n`);
          status = Math.max(status, EXIT_PROBLEMS);
        }
      } else if (options.write) {
        if (changed) await writeFile(path, outcome.formatted);
      } else {
        io.stdout.write(outcome.formatted);
      }
    }
    return status;
  },
});

type Outcome =
  | { readonly kind: 'formatted'; readonly source: SourceFile; readonly formatted: string }
  | { readonly kind: 'failed'; readonly status: number };

async function formatOne(path: string, io: CliIo, color: boolean): Promise<Outcome> {
  const read = await readSource(path, io);
  if (!read.ok) {
    io.stderr.write(renderError(read.message, {}, color));
    return { kind: 'failed', status: EXIT_USAGE };
  }
  const { source } = read;
  const parsed = parse(source);
  if (hasErrors(parsed.diagnostics)) {
    io.stderr.write(renderDiagnostics(parsed.diagnostics, new Map([[source.path, source]]), { color }));
    const summary = renderSummary(parsed.diagnostics, { color });
    io.stderr.write(`\n${summary}; not formatted\n`);
    return { kind: 'failed', status: EXIT_PROBLEMS };
  }
  const formatted = format(parsed.program, source);
  const reparsed = parse(new SourceFile(source.path, formatted));
  if (hasErrors(reparsed.diagnostics) || !sameSyntax(parsed.program, reparsed.program)) {
    // A bug in the formatter, caught before it could damage the file.
    throw new Error(`formatting \`${source.path}\` would change its meaning; nothing was written for it`);
  }
  return { kind: 'formatted', source, formatted };
}
