// Every ```reg example in docs/language.md is real. The word after `reg`
// says what the block is:
//   ```reg                 a complete file: it parses, checks and lowers
//                          with no error or warning, as `regc check` does
//   ```reg fragment        statements of a model body, parsed inside a model
//   ```reg fragment train  statements of a train section, parsed inside one
//   ```reg error           a complete file with a mistake; the ```text block
//                          right after it is exactly what `regc check` prints
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseSource } from '../../compiler/compile.ts';
import { renderDiagnostics, renderSummary } from '../../diagnostics/render.ts';
import { parseText } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';

const LANGUAGE_DOC = new URL('../../docs/language.md', import.meta.url);

export interface CodeBlock {
  /** The info string after the opening fence, e.g. `reg fragment train`. */
  readonly info: string;
  readonly text: string;
  /** 1-based line of the opening fence in the Markdown file. */
  readonly line: number;
}

/** Fenced code blocks (``` only, as the doc uses) in document order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i === lines.length) throw new Error(`code block at line ${start + 1} is never closed`);
    blocks.push({ info: open[1]!.trim(), text: `${body.join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}

function describeAll(diagnostics: readonly { code: string; span: { start: { line: number; column: number } }; message: string }[]) {
  return diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`);
}

function expectParses(text: string): void {
  expect(describeAll(parseText(text).diagnostics)).toEqual([]);
}

/** What `regc check example.reg` prints on stderr, without colour. */
function checkOutput(text: string): string {
  const source = new SourceFile('example.reg', text);
  const diagnostics = analyseSource(source);
  const summary = renderSummary(diagnostics, { color: false });
  return renderDiagnostics(diagnostics, new Map([[source.path, source]]), { color: false }) + (summary === undefined ? '' : `\n${summary}\n`);
}

const blocks = codeBlocks(readFileSync(LANGUAGE_DOC, 'utf8'));
const regBlocks = blocks.map((block, index) => ({ block, index })).filter(({ block }) => /^reg\b/.test(block.info));

describe('examples in docs/language.md', () => {
  it('has examples of every kind', () => {
    const kinds = new Set(regBlocks.map(({ block }) => block.info));
    expect([...kinds].sort()).toEqual(['reg', 'reg error', 'reg fragment', 'reg fragment train']);
  });

  for (const { block, index } of regBlocks) {
    const title = `line ${block.line}: ${block.info}`;
    switch (block.info) {
      case 'reg':
        it(`${title} checks clean`, () => {
          expect(describeAll(analyseSource(new SourceFile('example.reg', block.text)))).toEqual([]);
        });
        break;
      case 'reg fragment':
        it(`${title} parses in a model body`, () => expectParses(`model Example {\n${block.text}}\n`));
        break;
      case 'reg fragment train':
        it(`${title} parses in a train section`, () => expectParses(`train Example {\n${block.text}}\n`));
        break;
      case 'reg error':
        it(`${title} fails as the text after it shows`, () => {
          expectParses(block.text);
          const shown = blocks[index + 1];
          expect(shown?.info, 'a ```text block with the output must follow').toBe('text');
          expect(checkOutput(block.text)).toBe(shown!.text);
        });
        break;
      default:
        it(`${title} has a known kind`, () => {
          expect.fail(`unknown example kind \`${block.info}\`: use reg, reg fragment, reg fragment train or reg error`);
        });
    }
  }
});

describe('codeBlocks', () => {
  it('finds fenced blocks with their info strings and lines', () => {
    const markdown = 'intro\n```reg fragment\nrelu\n```\ntext\n```\nplain\n```\n';
    expect(codeBlocks(markdown)).toEqual([
      { info: 'reg fragment', text: 'relu\n', line: 2 },
      { info: '', text: 'plain\n', line: 6 },
    ]);
  });

  it('rejects a block that is never closed', () => {
    expect(() => codeBlocks('```reg\nmodel M {}\n')).toThrow(/never closed/);
  });
});
