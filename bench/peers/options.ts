// run.ts's command line: which models and systems, where, and how many runs.
import { parseArgs } from 'node:util';
import { isModelName, MODEL_NAMES, type ModelName } from './models.ts';
import { BROWSER_SYSTEM_IDS, isSystemId, SYSTEM_IDS, type SystemId } from './system.ts';

/**
 * TF.js and ORT-web take about 5 s per ResNet batch on SwiftShader: Chromium
 * runs the other three unless told otherwise, to keep a whole run near 12 minutes.
 */
export const DEFAULT_BROWSER_MODELS: readonly ModelName[] = ['mlp', 'cnn', 'transformer'];

export interface Options {
  readonly models: readonly ModelName[];
  readonly systems: readonly SystemId[];
  readonly browserModels: readonly ModelName[];
  readonly browserSystems: readonly SystemId[];
  readonly node: boolean;
  readonly browser: boolean;
  readonly warmup: number;
  readonly runs: number;
  /**
   * Launches of Chromium per system and model for the cold start: the
   * measured run's and more with one run each; the report gives their median
   * and range (a page's cold start moves by a third between launches here).
   */
  readonly coldLaunches: number;
  /**
   * Further Chromium launches per system and model whose page opens right
   * after the browser starts rather than once it has settled (see
   * browser/chromium-run.ts): the worst case, reported beside the settled one.
   */
  readonly atLaunchLaunches: number;
  readonly compileRepeats: number;
  readonly timeoutMs: number;
  readonly write: boolean;
  /** Re-render RESULTS.md from the saved raw results instead of measuring. */
  readonly renderOnly: boolean;
}

function list<T extends string>(text: string | undefined, all: readonly T[], valid: (s: string) => s is T, what: string): T[] {
  if (text === undefined || text === 'all') return [...all];
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const item of items) if (!valid(item)) throw new Error(`unknown ${what} ${item}; choose from ${all.join(', ')}`);
  return items as T[];
}

function count(text: string | undefined, fallback: number, min: number, what: string): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${what} must be an integer >= ${min}`);
  return value;
}

/** Parses the command line; `chromiumPresent` turns the browser runs off where there is no Chromium. */
export function parseOptions(argv: readonly string[], chromiumPresent: boolean): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      models: { type: 'string' },
      systems: { type: 'string' },
      'browser-models': { type: 'string' },
      'browser-systems': { type: 'string' },
      'no-node': { type: 'boolean' },
      'no-browser': { type: 'boolean' },
      warmup: { type: 'string' },
      runs: { type: 'string' },
      'cold-launches': { type: 'string' },
      'at-launch-launches': { type: 'string' },
      'compile-repeats': { type: 'string' },
      timeout: { type: 'string' },
      'no-write': { type: 'boolean' },
      'render-only': { type: 'boolean' },
    },
    strict: true,
  });
  const browserSystems = list(values['browser-systems'], BROWSER_SYSTEM_IDS, isSystemId, 'system');
  for (const s of browserSystems) if (!BROWSER_SYSTEM_IDS.includes(s)) throw new Error(`${s} does not run in a browser`);
  return {
    models: list(values.models, MODEL_NAMES, isModelName, 'model'),
    systems: list(values.systems, SYSTEM_IDS, isSystemId, 'system'),
    browserModels: values['browser-models'] === undefined ? [...DEFAULT_BROWSER_MODELS] : list(values['browser-models'], MODEL_NAMES, isModelName, 'model'),
    browserSystems,
    node: !values['no-node'],
    browser: !values['no-browser'] && chromiumPresent,
    warmup: count(values.warmup, 3, 0, 'warmup'),
    runs: count(values.runs, 10, 1, 'runs'),
    coldLaunches: count(values['cold-launches'], 3, 1, 'cold-launches'),
    atLaunchLaunches: count(values['at-launch-launches'], 3, 0, 'at-launch-launches'),
    compileRepeats: count(values['compile-repeats'], 5, 0, 'compile-repeats'),
    timeoutMs: count(values.timeout, 300, 1, 'timeout') * 1000,
    write: !values['no-write'],
    renderOnly: values['render-only'] ?? false,
  };
}
