import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BEGIN_MARKER,
  END_MARKER,
  LANGUAGE_DOC,
  renderRegistryTables,
  withRegistryTables,
} from '../../docs/generate-language-tables.ts';
import { ALL_OPS } from '../../compiler/registry/index.ts';

const committed = readFileSync(LANGUAGE_DOC, 'utf8');

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('docs/language.md', () => {
  it('has the generated section exactly once', () => {
    expect(occurrences(committed, BEGIN_MARKER)).toBe(1);
    expect(occurrences(committed, END_MARKER)).toBe(1);
  });

  it('holds the tables the registry generates now (run npx tsx docs/generate-language-tables.ts)', () => {
    const section = committed.slice(committed.indexOf(BEGIN_MARKER) + BEGIN_MARKER.length, committed.indexOf(END_MARKER));
    expect(section).toBe(`\n${renderRegistryTables()}\n`);
  });
});

describe('the table generator', () => {
  it('lists every name and parameter', () => {
    const tables = renderRegistryTables();
    for (const op of ALL_OPS) {
      expect(tables, op.name).toContain(`| \`${op.name}\` |`);
      for (const param of op.params) expect(tables, `${op.name}.${param.name}`).toContain(`| \`${param.name}\` |`);
    }
  });

  it('keeps every table row at the table width, whatever the docs contain', () => {
    for (const line of renderRegistryTables().split('\n')) {
      if (!line.startsWith('|')) continue;
      // Seven columns means eight unescaped bars.
      expect(line.replace(/\\\|/g, '').split('|').length - 1, line).toBe(8);
    }
  });

  it('replaces only the generated section, keeping the prose around it', () => {
    const document = `# Title\n\nbefore\n\n${BEGIN_MARKER}\nstale\n${END_MARKER}\n\nafter\n`;
    const updated = withRegistryTables(document);
    expect(updated.startsWith(`# Title\n\nbefore\n\n${BEGIN_MARKER}\n`)).toBe(true);
    expect(updated.endsWith(`${END_MARKER}\n\nafter\n`)).toBe(true);
    expect(updated).not.toContain('stale');
    expect(withRegistryTables(updated)).toBe(updated);
  });

  it('appends the section to a document without markers', () => {
    const updated = withRegistryTables('# Title\n');
    expect(updated.startsWith('# Title\n\n' + BEGIN_MARKER)).toBe(true);
    expect(updated.trimEnd().endsWith(END_MARKER)).toBe(true);
  });
});
