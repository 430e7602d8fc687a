// Each spec's AST against tests/specs/golden/<name>.ast.json. A change to the
// parser or to a spec shows up as a reviewable diff of the golden file;
// `npm run bless` (BLESS=1) rewrites the files from the current parser.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseText } from '../../grammar/parse.ts';
import { astJson } from './ast-json.ts';
import { specFiles } from './spec-files.ts';

const goldenDir = fileURLToPath(new URL('./golden', import.meta.url));
const bless = process.env['BLESS'] === '1';
const specs = specFiles();

describe('spec ASTs match their golden files', () => {
  it('has the example specs', () => {
    expect(specs.map((s) => s.name)).toEqual(
      expect.arrayContaining(['fashion', 'gan-discriminator', 'mlp', 'normalizers', 'regularizers', 'resnet', 'transformer']),
    );
  });

  for (const spec of specs) {
    it(spec.path, () => {
      const { program, diagnostics } = parseText(spec.text, spec.path);
      expect(diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`)).toEqual([]);
      const actual = astJson(program);
      const goldenPath = join(goldenDir, `${spec.name}.ast.json`);
      if (bless) {
        writeFileSync(goldenPath, actual);
        return;
      }
      expect(existsSync(goldenPath), `${goldenPath} is missing: run \`npm run bless\` and review it`).toBe(true);
      expect(actual).toBe(readFileSync(goldenPath, 'utf8'));
    });
  }

  it('has no golden file without a spec', () => {
    const expected = new Set(specs.map((s) => `${s.name}.ast.json`));
    const stale = readdirSync(goldenDir).filter((file) => file.endsWith('.ast.json') && !expected.has(file));
    expect(stale, 'golden files whose spec is gone: delete them').toEqual([]);
  });
});

describe('the golden text', () => {
  it('drops spans and sorts keys at every depth', () => {
    const span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } };
    const node = { kind: 'Name', span, name: 'x', inner: [{ z: 1, span, a: { span, b: 2 } }] };
    expect(astJson(node)).toBe(
      `${JSON.stringify({ inner: [{ a: { b: 2 }, z: 1 }], kind: 'Name', name: 'x' }, null, 2)}\n`,
    );
  });

  it('tells apart two specs that differ in one number', () => {
    const a = parseText('model M {\n  input x: f32[N, 4]\n  linear(3)\n}\n').program;
    const b = parseText('model M {\n  input x: f32[N, 4]\n  linear(4)\n}\n').program;
    expect(astJson(a)).not.toBe(astJson(b));
  });
});
