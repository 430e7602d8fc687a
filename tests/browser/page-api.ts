// The browser side of the harness: an entry module registers the functions a
// test may call, and the harness calls them by name with JSON-able arguments.
//
//   import { exposeToHarness } from '../page-api.ts';
//   exposeToHarness({ async addOne(x: number) { return x + 1; } });

export type PageFunction = (...args: never[]) => unknown;

interface HarnessGlobal {
  __regcHarness?: Record<string, PageFunction>;
}

export function exposeToHarness(functions: Record<string, PageFunction>): void {
  const global = globalThis as HarnessGlobal;
  global.__regcHarness = { ...global.__regcHarness, ...functions };
}
