// Times the front end on a 10,000-line spec: parse alone, check alone (on
// the parsed AST), and both together, each the median of several runs after
// warm-up runs that let V8 optimise the parser and checker first.
//   npx tsx bench/parse-check.ts [--lines 10000] [--runs 15] [--warmup 5]
import { parseArgs } from 'node:util';
import { checkProgram } from '../compiler/resolve/index.ts';
import { parse } from '../grammar/parse.ts';
import { SourceFile } from '../grammar/source.ts';
import { largeSpec } from './large-spec.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
  },
});
const lines = positiveInt(values.lines, '--lines');
const runs = positiveInt(values.runs, '--runs');
const warmup = positiveInt(values.warmup, '--warmup');

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got \`${text}\``);
  return n;
}

const source = new SourceFile('large.reg', largeSpec(lines));

// A benchmark of a spec with errors would time the error paths instead.
const parsed = parse(source);
const checked = checkProgram(parsed.program, source);
const problems = [...parsed.diagnostics, ...checked.diagnostics];
if (problems.length > 0) {
  for (const d of problems.slice(0, 5)) console.error(`${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`);
  throw new Error(`the generated spec has ${problems.length} diagnostics; fix bench/large-spec.ts`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median milliseconds of `fn` over `runs` timed runs, after `warmup` untimed ones. */
function time(fn: () => unknown): { median: number; min: number; max: number } {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

const parseTime = time(() => parse(source));
const checkTime = time(() => checkProgram(parsed.program, source));
const bothTime = time(() => checkProgram(parse(source).program, source));

const ms = (x: number) => x.toFixed(1).padStart(8);
console.log(`spec: ${source.lineCount - 1} lines, ${source.text.length} characters, ${parsed.program.items.length} items`);
console.log(`runs: ${runs} timed after ${warmup} warm-up, node ${process.version}`);
console.log('               median      min      max  (ms)');
for (const [label, t] of [['parse', parseTime], ['check', checkTime], ['parse+check', bothTime]] as const) {
  console.log(`${label.padEnd(12)} ${ms(t.median)} ${ms(t.min)} ${ms(t.max)}`);
}
const linesPerSecond = ((source.lineCount - 1) / bothTime.median) * 1000;
console.log(`parse+check: ${Math.round(linesPerSecond).toLocaleString('en-US')} lines/s`);
