// `regc/golden`: golden-output checks for a user's own test suite (Node).
//   import { loadBundle } from 'regc/runtime';
//   import { checkGolden } from 'regc/golden';
//   const result = await checkGolden(await loadBundle('out/fashion'), 'tests/golden/fashion');
//   expect(result.ok, result.report).toBe(true);
export { compareArrays, describeComparison, DEFAULT_TOLERANCE, type Comparison, type Tolerance } from './compare.ts';
export { checkGolden, recordGolden, GoldenError, type GoldenIndex, type GoldenResult } from './golden-node.ts';
