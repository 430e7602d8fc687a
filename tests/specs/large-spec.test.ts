// The parse+check benchmark's generated spec must stay a clean, formatted
// file of the requested length, or the benchmark would time error paths.
import { describe, expect, it } from 'vitest';
import { largeSpec } from '../../bench/large-spec.ts';
import { checkProgram } from '../../compiler/resolve/index.ts';
import { format } from '../../grammar/format.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';

describe('the benchmark spec', () => {
  // Lengths that end the model body at every position of its 8-line cycle.
  for (const lines of [400, 401, 402, 403, 404, 405, 406, 407]) {
    it(`of ${lines} lines checks clean and is formatted`, () => {
      const text = largeSpec(lines);
      expect(text.split('\n')).toHaveLength(lines + 1);
      const source = new SourceFile('large.reg', text);
      const parsed = parse(source);
      const checked = checkProgram(parsed.program, source);
      const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
      expect(diagnostics.map((d) => `${d.code} ${d.span.start.line}: ${d.message}`)).toEqual([]);
      expect(format(parsed.program, source)).toBe(text);
    });
  }

  it('uses blocks, repeat, lets and a train section', () => {
    const text = largeSpec(400);
    expect(text).toMatch(/^block Unit\d+\(/m);
    expect(text).toMatch(/: repeat 2 Unit\d+\(/);
    expect(text).toMatch(/^ {2}let /m);
    expect(text).toMatch(/^train Large \{/m);
  });
});
