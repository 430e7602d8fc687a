import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { format } from '../../grammar/format.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';
import { regLexer } from '../../grammar/tokens.ts';
import { stripSpans } from './strip-spans.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const goldenDir = join(here, 'golden');
const inputsDir = join(here, 'inputs');

function regFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.reg') && !f.endsWith('.formatted.reg'))
    .map((f) => join(dir, f))
    .sort();
}

/** Parses, insisting on a clean parse: the formatter is only defined on those. */
function parseClean(path: string, text: string) {
  const source = new SourceFile(path, text);
  const { program, diagnostics } = parse(source);
  expect(diagnostics.map((d) => `${d.code} ${d.message}`), `${path} should parse cleanly`).toEqual([]);
  return { program, source };
}

function formatText(path: string, text: string): string {
  const { program, source } = parseClean(path, text);
  return format(program, source);
}

/** Formatting keeps the meaning (and every comment), and formatting again changes nothing. */
function expectSoundFormatting(path: string, text: string): string {
  const before = parseClean(path, text);
  const formatted = format(before.program, before.source);
  const after = parseClean(`${path} (formatted)`, formatted);
  expect(stripSpans(after.program)).toEqual(stripSpans(before.program));
  expect(format(after.program, after.source)).toBe(formatted);
  return formatted;
}

describe('format on real specs', () => {
  const files = [...regFiles(inputsDir), ...regFiles(join(root, 'specs'))];

  it('has inputs to work on', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  for (const file of files) {
    it(`keeps the meaning of ${relative(root, file)} and is idempotent`, () => {
      expectSoundFormatting(file, readFileSync(file, 'utf8'));
    });
  }
});

describe('format golden files', () => {
  const bless = process.env.BLESS === '1';
  for (const file of regFiles(goldenDir)) {
    const expectedPath = file.replace(/\.reg$/, '.formatted.reg');
    it(`formats ${relative(root, file)} as ${relative(root, expectedPath)}`, () => {
      const formatted = expectSoundFormatting(file, readFileSync(file, 'utf8'));
      if (bless) writeFileSync(expectedPath, formatted);
      expect(existsSync(expectedPath), `${expectedPath} is missing: run with BLESS=1`).toBe(true);
      expect(formatted).toBe(readFileSync(expectedPath, 'utf8'));
    });
  }
});

describe('format layout rules', () => {
  /** A model whose one flow statement is a chain of `count` steps `fcN: linear(8)`. */
  function chainOf(width: number): string {
    // `  x -> ` then steps; pad the head name so the line is exactly `width` long.
    const steps = ' -> a: linear(8) -> b: linear(8) -> c: linear(8)';
    const head = 'h'.repeat(width - 2 - steps.length);
    return `model M {\n  ${head}${steps}\n}\n`;
  }

  it('keeps a chain of exactly 100 columns on one line and breaks one of 101 before `->`', () => {
    const fits = chainOf(100);
    expect(formatText('fits.reg', fits)).toBe(fits);
    const tooLong = formatText('long.reg', chainOf(101));
    expect(tooLong.split('\n')[1]!.length).toBeLessThanOrEqual(100);
    expect(tooLong.split('\n')[2]).toBe('      -> c: linear(8)');
  });

  it('collapses blank lines to one, drops those after `{` and before `}`', () => {
    const text = 'model M {\n\n\n  relu\n\n\n\n  flatten\n\n}\n';
    expect(formatText('blank.reg', text)).toBe('model M {\n  relu\n\n  flatten\n}\n');
  });

  it('puts exactly one blank line between items', () => {
    expect(formatText('items.reg', 'model A {}\nmodel B {}\n\n\n\nmodel C {}')).toBe('model A {}\n\nmodel B {}\n\nmodel C {}\n');
  });

  it('gives an empty file an empty output and keeps a file of comments', () => {
    expect(formatText('empty.reg', '\n\n')).toBe('');
    expect(formatText('only-comments.reg', '// one\n\n\n/* two */\n')).toBe('// one\n\n/* two */\n');
  });

  it('writes named arguments without spaces and parameter defaults with them', () => {
    expect(formatText('args.reg', 'block B(k : int=3) { conv2d(8, kernel = k) }')).toBe(
      'block B(k: int = 3) {\n  conv2d(8, kernel=k)\n}\n',
    );
  });
});

describe('format on perturbed layouts', () => {
  const files = [...regFiles(inputsDir), ...regFiles(goldenDir)].map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  // Replacements for the blanks between two tokens, by whether those blanks span lines
  // (statements end at line ends, so keeping that mostly keeps the file valid).
  const sameLine = [' ', '  ', '\t', '', ' /* c */ ', '/* c */'];
  const acrossLines = ['\n', '\n\n\n', '// line\n', '\n  /* two\n lines */\n', ' /* c */\n', '  // line\n\n'];
  // Sometimes break a line where there was none: inside arguments, lists, chains.
  const breaking = ['\n', '// line\n', '\n\n'];
  const CHOICES = sameLine.length + breaking.length;

  /**
   * Re-joins the tokens of a spec with other blanks and comments between
   * them. Some results do not parse (a newline before `(` ends a statement);
   * those are skipped. The rest must format soundly.
   */
  function perturb(text: string, choices: readonly number[]): string {
    const lexed = regLexer.tokenize(text);
    const tokens = [...lexed.tokens, ...(lexed.groups['comments'] ?? [])].sort((a, b) => a.startOffset - b.startOffset);
    let out = '';
    tokens.forEach((token, i) => {
      const choice = choices[i % choices.length]!;
      const original = text.slice(i === 0 ? 0 : tokens[i - 1]!.endOffset! + 1, token.startOffset);
      let gap = original;
      if (choice < sameLine.length) gap = original.includes('\n') ? acrossLines[choice % acrossLines.length]! : sameLine[choice]!;
      else if (choice < CHOICES) gap = breaking[choice - sameLine.length]!;
      // Two words must stay two tokens; a line comment must not swallow the token after it.
      if (gap === '' && /\w$/.test(out) && /^\w/.test(token.image)) gap = ' ';
      if (out.endsWith('//') || /\/\/[^\n]*$/.test(out)) gap = '\n' + gap;
      out += gap + token.image;
    });
    return out + '\n';
  }

  it('keeps meaning and comments and is idempotent', () => {
    let parsed = 0;
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.array(fc.nat(4 * CHOICES), { minLength: 50, maxLength: 50 }), (file, choices) => {
        const text = perturb(file.text, choices);
        const { diagnostics } = parse(new SourceFile(file.path, text));
        if (diagnostics.length > 0) return;
        parsed++;
        try {
          expectSoundFormatting(file.path, text);
        } catch (error) {
          throw new Error(`formatting failed on this perturbed input:\n${text}`, { cause: error });
        }
      }),
      { numRuns: 300, seed: 20240601 },
    );
    // The property is only worth something if enough perturbed files parse.
    expect(parsed, `${parsed} of 300 perturbed files parsed`).toBeGreaterThan(100);
  });
});
