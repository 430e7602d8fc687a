// `regc explain CODE`: the catalogue entry for one diagnostic code.
import { catalogue, CODE_PATTERN, lookupCode } from '../../diagnostics/catalogue.ts';
import { COLOR_OPTION, useColor } from '../color.ts';
import { defineCommand, EXIT_OK, UsageError } from '../command.ts';
import { exampleOutput } from '../example-output.ts';

export const explainCommand = defineCommand({
  name: 'explain',
  usage: '[options] CODE',
  description: `
Prints what a diagnostic code means, an example that triggers it and what
\`regc check\` reports for that example. Codes look like E0103; the same text
is in docs/diagnostics.md.`,
  options: { color: COLOR_OPTION },
  positionals: { name: 'CODE', min: 1, max: 1 },
  examples: [{ command: 'regc explain E0103', meaning: 'what "unexpected token" means and how it looks' }],

  async run({ options, positionals }, io) {
    const code = positionals[0]!.toUpperCase();
    const entry = lookupCode(code);
    if (entry === undefined) {
      if (!CODE_PATTERN.test(code)) {
        throw new UsageError(`\`${positionals[0]}\` is not a diagnostic code`, 'codes are E or W and four digits, like `E0103`', 'explain');
      }
      const known = catalogue().map((e) => e.code);
      throw new UsageError(`no diagnostic has the code \`${code}\``, `the known codes are ${known.join(', ')}`, 'explain');
    }
    const indent = (text: string) => text.replace(/\n$/, '').split('\n').map((line) => (line === '' ? '' : `    ${line}`)).join('\n');
    const output = exampleOutput(entry, { color: useColor(options.color, io.stdout, io.env) });
    io.stdout.write(
      [
        `${entry.code}: ${entry.title}`,
        '',
        entry.explanation.trim(),
        '',
        'Example:',
        '',
        indent(entry.example),
        ...(output === undefined ? [] : ['', '`regc check` reports:', '', indent(output)]),
        '',
      ].join('\n'),
    );
    return EXIT_OK;
  },
});
