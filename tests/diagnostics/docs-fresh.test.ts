import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BEGIN_MARKER,
  DIAGNOSTICS_DOC,
  END_MARKER,
  renderDiagnosticsDoc,
  withDiagnosticsDoc,
} from '../../docs/generate-diagnostics.ts';
import { catalogue } from '../../diagnostics/catalogue.ts';

const committed = readFileSync(DIAGNOSTICS_DOC, 'utf8');

describe('docs/diagnostics.md', () => {
  it('holds the section the catalogue generates now (run npx tsx docs/generate-diagnostics.ts)', () => {
    expect(committed.split(BEGIN_MARKER).length - 1).toBe(1);
    const section = committed.slice(committed.indexOf(BEGIN_MARKER) + BEGIN_MARKER.length, committed.indexOf(END_MARKER));
    expect(section).toBe(`\n${renderDiagnosticsDoc()}\n`);
  });

  it('has a section for every code', () => {
    for (const e of catalogue()) expect(committed, e.code).toContain(`### ${e.code}: ${e.title}`);
  });
});

describe('the docs generator', () => {
  const phases = [
    {
      name: 'grammar',
      title: 'Syntax',
      codes: [
        {
          code: 'E0103',
          title: 'unexpected token',
          explanation: 'explained',
          // Backticks in an example must not end its code fence.
          example: 'model M {\n  fc: linear(10 20)  // ```\n}',
        },
      ],
    },
  ];

  it('shows each example with what regc check prints for it', () => {
    const doc = renderDiagnosticsDoc(phases);
    expect(doc).toContain('| [E0103](#e0103-unexpected-token) | grammar | unexpected token |');
    expect(doc).toContain('````reg\nmodel M {\n  fc: linear(10 20)  // ```\n}\n````');
    expect(doc).toContain('error[E0103]: expected `,` or `)`, found `20`\n --> example.reg:2:17');
  });

  it('shows no output for an example that does not produce its code', () => {
    const wrong = [{ ...phases[0]!, codes: [{ ...phases[0]!.codes[0]!, example: 'model M {\n  relu(\n}' }] }];
    const doc = renderDiagnosticsDoc(wrong);
    expect(doc).toContain('### E0103: unexpected token');
    expect(doc).not.toContain('regc check` reports');
    expect(doc).not.toContain('E0104');
  });

  it('replaces only the generated section and is stable', () => {
    const document = `# Title\n\nbefore\n\n${BEGIN_MARKER}\nstale\n${END_MARKER}\n\nafter\n`;
    const updated = withDiagnosticsDoc(document, phases);
    expect(updated.startsWith(`# Title\n\nbefore\n\n${BEGIN_MARKER}\n`)).toBe(true);
    expect(updated.endsWith(`${END_MARKER}\n\nafter\n`)).toBe(true);
    expect(updated).not.toContain('stale');
    expect(withDiagnosticsDoc(updated, phases)).toBe(updated);
  });
});
