import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cstDtsPath, cstDtsText } from '../../grammar/generate-cst-dts.ts';

describe('grammar/cst.d.ts', () => {
  it('matches the parser (run `npm run gen:cst` after changing the grammar)', () => {
    expect(readFileSync(cstDtsPath, 'utf8')).toBe(cstDtsText());
  });
});
