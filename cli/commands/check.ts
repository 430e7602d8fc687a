// `regc check FILE...`: report every problem in each file, change nothing.
import { hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.ts';
import { renderDiagnostics, renderDiagnosticsJson, renderSummary } from '../../diagnostics/render.ts';
import type { SourceFile } from '../../grammar/source.ts';
import { analyse } from '../analyse.ts';
import { COLOR_OPTION, useColor } from '../color.ts';
import { defineCommand, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE } from '../command.ts';
import { readSource } from '../read-source.ts';
import { renderError } from '../report.ts';

export const checkCommand = defineCommand({
  name: 'check',
  usage: '[options] FILE...',
  description: `
Parses and checks each FILE (\`-\` reads standard input) and reports every
problem found, with the source line and a caret. Nothing is written.

Exit status: 0 when no file has errors, 1 when one has (or has warnings, with
--strict), 2 on a usage error or a file that cannot be read.`,
  options: {
    format: {
      type: 'string',
      valueName: 'format',
      choices: ['text', 'json'],
      default: 'text',
      description: 'text: rendered diagnostics on stderr; json: one array of diagnostics on stdout',
    },
    strict: { type: 'boolean', description: 'treat warnings as errors for the exit status' },
    color: COLOR_OPTION,
  },
  positionals: { name: 'FILE', min: 1 },
  examples: [
    { command: 'regc check specs/fashion.reg', meaning: 'report the problems in one spec' },
    { command: 'regc check --format json --strict specs/*.reg', meaning: 'machine-readable output; warnings fail too' },
  ],

  async run({ options, positionals }, io) {
    const color = useColor(options.color, io.stderr, io.env);
    const sources = new Map<string, SourceFile>();
    const diagnostics: Diagnostic[] = [];
    let unreadable = false;

    for (const path of positionals) {
      const read = await readSource(path, io);
      if (!read.ok) {
        io.stderr.write(renderError(read.message, {}, color));
        unreadable = true;
        continue;
      }
      sources.set(read.source.path, read.source);
      diagnostics.push(...analyse(read.source));
    }

    if (options.format === 'json') {
      io.stdout.write(renderDiagnosticsJson(diagnostics));
    } else if (diagnostics.length > 0) {
      io.stderr.write(renderDiagnostics(diagnostics, sources, { color }));
      const summary = renderSummary(diagnostics, { color });
      if (summary !== undefined) io.stderr.write(`\n${summary}\n`);
    }

    if (unreadable) return EXIT_USAGE;
    const failing = hasErrors(diagnostics) || (options.strict && diagnostics.some((d) => d.severity === 'warning'));
    return failing ? EXIT_PROBLEMS : EXIT_OK;
  },
});
