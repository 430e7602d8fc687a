// What `regc fmt` checks before it writes, on the layouts the fuzz campaign
// found it refusing: the formatted text parses to the same tree (comments
// compared as the formatter prints them), and formatting it again changes
// nothing. Also how long formatting takes on very long lines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameSyntax } from '../../cli/same-syntax.ts';
import { hasErrors } from '../../diagnostics/diagnostic.ts';
import { canonicalComment, format } from '../../grammar/format.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';

/** The formatted text, after checking what `regc fmt` checks; undefined when the input has errors. */
function formatSoundly(text: string): string | undefined {
  const source = new SourceFile('in.reg', text);
  const parsed = parse(source);
  if (hasErrors(parsed.diagnostics)) return undefined;
  const formatted = format(parsed.program, source);
  const again = parse(new SourceFile('out.reg', formatted));
  const context = `input ${JSON.stringify(text)}\nformatted ${JSON.stringify(formatted)}`;
  expect(again.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`), context).toEqual([]);
  expect(sameSyntax(parsed.program, again.program), `the tree changed: ${context}`).toBe(true);
  expect(format(again.program, new SourceFile('out.reg', formatted)), `not idempotent: ${context}`).toBe(formatted);
  return formatted;
}

function model(body: string): string {
  return `model M {\n  input x: f32[N, 4]\n${body}\n  output x\n}\n`;
}

describe('comments with trailing blanks', () => {
  it('lose them, on their own line, after code and inside block comments', () => {
    const formatted = formatSoundly(model('  // note  \t\n  relu  // after  \n  /* one  \n     two\t */\n  relu'));
    expect(formatted).toBe(model('  // note\n  relu  // after\n  /* one\n     two\t */\n  relu'));
  });

  it('keep their place in a file of comments only', () => {
    expect(formatSoundly('// a  \n\n//   \n')).toBe('// a\n\n//\n');
  });

  it('have their line breaks made `\\n` like the rest of the file', () => {
    expect(formatSoundly('model M {\r\n  /* a\r\n  b\rc */\r\n  relu\r\n}\r\n')).toBe('model M {\n  /* a\n  b\nc */\n  relu\n}\n');
  });
});

describe('a statement that starts with a sign', () => {
  it('keeps the `;` before it, which ends the statement above', () => {
    expect(formatSoundly(model('  relu; -x'))).toBe(model('  relu;\n  -x'));
    expect(formatSoundly(model('  relu; +x; -x -> relu'))).toBe(model('  relu;\n  +x;\n  -x -> relu'));
  });

  it('gets the `;` before a comment that trails the statement above', () => {
    expect(formatSoundly(model('  relu; // c\n  -x'))).toBe(model('  relu;  // c\n  -x'));
    expect(formatSoundly(model('  relu /* c */; -x'))).toBe(model('  relu;  /* c */\n  -x'));
    expect(formatSoundly(model('  relu;\n  // own line\n  -x'))).toBe(model('  relu;\n  // own line\n  -x'));
  });

  it('after every kind of statement, and after a chain broken over lines', () => {
    const chain = `x -> ${Array.from({ length: 20 }, (_, i) => `l${i}: linear(4)`).join(' -> ')}`;
    for (const before of ['input y: f32[N, 4]', 'let a = x', 'output x', 'x -> relu', 'f(x) with w', chain, '(x)']) {
      const formatted = formatSoundly(model(`  ${before}; -x`));
      expect(formatted).toMatch(/;\n {2}-x\n/);
    }
  });

  it('needs no `;` when it is the first statement of a body', () => {
    expect(formatSoundly('model M { -x }')).toBe('model M {\n  -x\n}\n');
  });
});

describe('formatting generated statement lists', () => {
  const statements = [
    'relu', '-x', '+x', '- -x', 'x -> relu', '-x -> relu', '(x) -> relu', 'let a = x', 'output x', 'x - 1', 'a: linear(2)',
    'f(x,\n 2)', 'x -> relu\n    -> relu', '[1, 2]', 'f(x) with w', 'x * -x', 'repeat 2 B(1)', 'relu /* c */ -> relu',
  ];
  const separators = [
    '; ', ';', '\n  ', ';\n  ', '; // c  \n  ', '\n  // own  \n  ', ' /* c */; ', ';\r  ', '\r\n  ', '\n\n  ', ';\n\n  // a  \r\n  ',
    '; /* a\n b  */ ', '\n  /* a  \r b */\n  ', '  // \u2028 c\n  ', ';  /* c */  // d  \n  ',
  ];
  const body = fc
    .array(fc.tuple(fc.constantFrom(...statements), fc.constantFrom(...separators)), { minLength: 1, maxLength: 8 })
    .map((parts) => parts.map(([statement, separator]) => statement + separator).join(''));

  it('keeps the tree and is idempotent', () => {
    let clean = 0;
    fc.assert(
      fc.property(body, (text) => {
        if (formatSoundly(model(`  ${text}`)) !== undefined) clean++;
      }),
      { numRuns: 400, seed: 20240601 },
    );
    // Most lists parse; the property means little if they did not.
    expect(clean).toBeGreaterThan(200);
  });
});

describe('formatting very long lines', () => {
  /** Processor milliseconds `regc fmt`'s check takes on text: format, parse again, compare, format again. */
  function fmtCheckTime(text: string): number {
    const started = process.cpuUsage();
    expect(formatSoundly(text)).toBeDefined();
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000;
  }

  it('takes well under a second on a 400 KB chain', () => {
    expect(fmtCheckTime(model(`  x -> ${'relu -> '.repeat(50_000)}relu`))).toBeLessThan(1000);
  });

  it('takes well under a second on a chain with a comment between every two steps', () => {
    // Finding the step before each comment was a search of every step: 6 s here.
    expect(fmtCheckTime(model(`  x -> ${'relu /* c */ -> '.repeat(20_000)}relu`))).toBeLessThan(1000);
  });

  it('takes well under a second on a 400 KB run of blanks in a string', () => {
    // Trailing blanks were stripped with /[ \t]+$/, quadratic in a run of blanks: 150 s here.
    expect(fmtCheckTime(model(`  f("${' '.repeat(400_000)}")`))).toBeLessThan(1000);
  });
});

describe('sameSyntax', () => {
  const tree = (text: string) => parse(new SourceFile('a.reg', text)).program;

  it('ignores positions and compares comments as the formatter prints them', () => {
    expect(sameSyntax(tree('model M { relu } // a  '), tree('model M {\n\n  relu\n}\n// a'))).toBe(true);
    expect(sameSyntax(tree('/* a \r\n b */'), tree('/* a\n b */'))).toBe(true);
    expect(sameSyntax(tree('// a'), tree('// b'))).toBe(false);
    expect(sameSyntax(tree('// a'), tree('//  a'))).toBe(false);
    expect(sameSyntax(tree('model M { relu }'), tree('model M { relu; relu }'))).toBe(false);
    expect(sameSyntax(tree('model M { relu - x }'), tree('model M { relu; -x }'))).toBe(false);
  });

  it('agrees with canonicalComment', () => {
    expect(canonicalComment('// a \t')).toBe('// a');
    expect(canonicalComment('/* a  \r\n\tb \r c */')).toBe('/* a\n\tb\n c */');
  });
});
