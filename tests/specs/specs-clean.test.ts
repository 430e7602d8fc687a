// Every example spec is a model a user could copy: it checks without a
// single error or warning and is already in the formatter's layout, both
// through the library and through the `regc` commands users run.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseSource } from '../../compiler/compile.ts';
import { checkProgram } from '../../compiler/resolve/index.ts';
import { format } from '../../grammar/format.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';
import { runCli } from '../cli/run-cli.ts';
import { repoRoot, specFiles } from './spec-files.ts';

const specs = specFiles();

function describeDiagnostics(diagnostics: readonly { code: string; span: { start: { line: number; column: number } }; message: string }[]) {
  return diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`);
}

describe('example specs', () => {
  it('exist', () => {
    expect(specs.length).toBeGreaterThanOrEqual(7);
  });

  for (const spec of specs) {
    describe(spec.path, () => {
      const source = new SourceFile(spec.path, spec.text);
      const parsed = parse(source);

      it('parses, checks and lowers with no diagnostics at all', () => {
        expect(describeDiagnostics(analyseSource(source))).toEqual([]);
        expect(checkProgram(parsed.program, source).models.size).toBeGreaterThanOrEqual(1);
      });

      it('trains the model it defines', () => {
        const models = parsed.program.items.filter((i) => i.kind === 'Model').map((i) => i.name.name);
        const trained = parsed.program.items.filter((i) => i.kind === 'Train').map((i) => i.model.name);
        expect(trained).toEqual(models);
      });

      it('is formatted', () => {
        expect(format(parsed.program, source)).toBe(spec.text);
      });
    });
  }
});

describe('regc on the example specs', () => {
  const paths = specs.map((s) => join(repoRoot, s.path));

  it('`regc check --strict` reports nothing', async () => {
    const result = await runCli(['check', '--strict', '--format', 'json', ...paths]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('`regc fmt --check` finds every spec formatted', async () => {
    const result = await runCli(['fmt', '--check', ...paths]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
