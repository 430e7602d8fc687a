// Golden diagnostics for common mistakes, rustc UI-test style: each
// `mistakes/<mistake>.reg` is parsed and checked, and everything reported is
// rendered as a user sees it and compared with `<mistake>.stderr` next to it.
// `BLESS=1 npx vitest run tests/diagnostics/mistakes.test.ts` rewrites the
// .stderr files; review them as diffs.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkProgram } from '../../compiler/resolve/index.ts';
import { sortDiagnostics } from '../../diagnostics/diagnostic.ts';
import { renderDiagnostic, renderSummary } from '../../diagnostics/render.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';

const DIR = new URL('./mistakes/', import.meta.url);
const BLESS = process.env['BLESS'] === '1';
const mistakes = readdirSync(DIR)
  .filter((f) => f.endsWith('.reg'))
  .map((f) => f.slice(0, -'.reg'.length))
  .sort();

/** What `regc check` would print for the file: every diagnostic, then the summary line. */
function rendered(name: string): string {
  const source = new SourceFile(`mistakes/${name}.reg`, readFileSync(new URL(`${name}.reg`, DIR), 'utf8'));
  const parsed = parse(source);
  const checked = checkProgram(parsed.program, source);
  const diagnostics = sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]);
  const summary = renderSummary(diagnostics);
  return [...diagnostics.map((d) => renderDiagnostic(d, source)), ...(summary === undefined ? [] : [`${summary}\n`])].join('\n');
}

describe('diagnostics for common mistakes', () => {
  it('has a corpus of at least 45 distinct mistakes, each with its expected output', () => {
    expect(mistakes.length).toBeGreaterThanOrEqual(45);
    const goldens = readdirSync(DIR).filter((f) => f.endsWith('.stderr')).map((f) => f.slice(0, -'.stderr'.length));
    if (!BLESS) expect(goldens.sort()).toEqual(mistakes);
  });

  it.each(mistakes)('%s', (name) => {
    const actual = rendered(name);
    // A mistake the compiler is silent about is not a test of anything.
    expect(actual).toMatch(/^(error|warning)\[/);
    const golden = new URL(`${name}.stderr`, DIR);
    if (BLESS || !existsSync(golden)) {
      if (!BLESS) throw new Error(`no ${name}.stderr; run with BLESS=1 to create it`);
      writeFileSync(golden, actual);
      return;
    }
    expect(actual).toBe(readFileSync(golden, 'utf8'));
  });
});
