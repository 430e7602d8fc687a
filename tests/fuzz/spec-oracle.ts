// Runs one spec through what `regc check`, `regc compile` and `regc fmt` run
// (decodeSource, analyseSource, renderDiagnostics, compileSource, format) and
// judges the result: every problem must come out as a diagnostic with a
// documented code and a span inside the file, never as an exception, and
// within the time limit.
import { ModelChoiceError, analyseSource, compileSource } from '../../compiler/compile.ts';
import { decodeSource } from '../../cli/read-source.ts';
import { sameSyntax } from '../../cli/same-syntax.ts';
import { catalogue } from '../../diagnostics/catalogue.ts';
import { hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.ts';
import { renderDiagnostics, renderDiagnosticsJson } from '../../diagnostics/render.ts';
import { format } from '../../grammar/format.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile, type Position, type Span } from '../../grammar/source.ts';
import { validateManifest } from '../../runtime/bundle/validate-manifest.ts';
import { describeError, type CaseResult, type Failure } from './outcomes.ts';
import type { SpecBody } from './spec-mutator.ts';

/** The limit the issue sets for one spec, through check, lower and compile. */
export const SPEC_TIME_LIMIT_MS = 1000;

const PATH = 'fuzz.reg';
const KNOWN_CODES = new Set(catalogue().map((e) => e.code));

export interface SpecInput {
  readonly index: number;
  readonly origin: string;
  readonly body: SpecBody;
  readonly secret?: string;
}

interface SpanProblem {
  /** The kind of wrongness, which groups failures: one bug gives one kind whatever diagnostic shows it. */
  readonly kind: string;
  readonly text: string;
}

/** What is wrong with a position, or nothing: inside the text, and its line and column agree with its offset. */
function positionProblem(p: Position, source: SourceFile): SpanProblem | undefined {
  if (!Number.isInteger(p.offset) || p.offset < 0 || p.offset > source.text.length) {
    return { kind: 'offset outside the text', text: `offset ${p.offset} outside 0..${source.text.length}` };
  }
  const expected = source.position(p.offset);
  if (p.line !== expected.line || p.column !== expected.column) {
    return { kind: 'line and column disagree with the offset', text: `offset ${p.offset} is ${expected.line}:${expected.column}, the span says ${p.line}:${p.column}` };
  }
  return undefined;
}

function spanProblem(span: Span | undefined, source: SourceFile): SpanProblem | undefined {
  if (!span?.start || !span.end) return { kind: 'no span', text: 'no span' };
  const problem = positionProblem(span.start, source) ?? positionProblem(span.end, source);
  if (problem) return problem;
  if (span.start.offset > span.end.offset) return { kind: 'starts after it ends', text: `starts at ${span.start.offset} after it ends at ${span.end.offset}` };
  return undefined;
}

/** Every way a diagnostic can be malformed, as failures. */
export function diagnosticProblems(diagnostics: readonly Diagnostic[], source: SourceFile, stage: string): Failure[] {
  const failures: Failure[] = [];
  for (const d of diagnostics) {
    // A note may go without a code (the one saying how many errors were left out).
    const codeless = d.severity === 'note' && d.code === '';
    if (!codeless && !KNOWN_CODES.has(d.code)) failures.push({ type: 'bad-diagnostic', detail: `${stage}: code ${d.code} is not in the catalogue (${d.message})` });
    if (!d.message) failures.push({ type: 'bad-diagnostic', detail: `${stage}: ${d.code} has no message` });
    if (d.file !== source.path) failures.push({ type: 'bad-span', detail: `${stage}: ${d.code} points into ${d.file}, not ${source.path}`, key: 'another file' });
    const primary = spanProblem(d.span, source);
    if (primary) failures.push({ type: 'bad-span', detail: `${stage}: ${d.code} (${d.message.slice(0, 80)}): ${primary.text}`, key: primary.kind });
    for (const label of d.secondary) {
      const problem = spanProblem(label.span, source);
      if (problem) failures.push({ type: 'bad-span', detail: `${stage}: ${d.code} secondary label "${label.message.slice(0, 60)}": ${problem.text}`, key: `${problem.kind} (a secondary label)` });
    }
  }
  return failures;
}

/** Runs `work`, timing it into `stageMs`; an exception becomes a failure and `undefined`. */
function stage<T>(name: string, stageMs: Record<string, number>, failures: Failure[], work: () => T, expected?: (e: unknown) => boolean): T | undefined {
  const started = performance.now();
  try {
    return work();
  } catch (error) {
    if (expected?.(error)) throw error;
    failures.push({ type: 'escaped-exception', detail: describeError(name, error) });
    return undefined;
  } finally {
    stageMs[name] = (stageMs[name] ?? 0) + performance.now() - started;
  }
}

export function runSpecCase(input: SpecInput): CaseResult {
  const started = performance.now();
  // The limit is on processor time: the campaign shares its machine, and a
  // case waiting for a core is not a slow case.
  const startedCpu = process.cpuUsage();
  const failures: Failure[] = [];
  const stageMs: Record<string, number> = {};
  const done = (outcome: string, codes: readonly string[]): CaseResult => {
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(startedCpu);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (cpuMs > SPEC_TIME_LIMIT_MS) {
      const stages = Object.entries(stageMs).map(([s, t]) => `${s} ${t.toFixed(0)} ms`).join(', ');
      const slowest = Object.entries(stageMs).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
      failures.push({ type: 'slow', detail: `${cpuMs.toFixed(0)} ms of processor time > ${SPEC_TIME_LIMIT_MS} ms (wall: ${stages})`, key: `over ${SPEC_TIME_LIMIT_MS} ms, most of it in ${slowest}` });
    }
    return {
      index: input.index,
      outcome,
      codes,
      ms,
      cpuMs,
      origin: input.origin,
      failures,
      ...(failures.length > 0 ? { repro: reproOf(input) } : {}),
    };
  };

  let text: string;
  if ('bytes' in input.body) {
    const bytes = input.body.bytes;
    const decoded = stage('read', stageMs, failures, () => decodeSource(bytes));
    if (!decoded) return done('escaped', []);
    if (!decoded.ok) {
      if (input.secret && decoded.reason.includes(input.secret)) failures.push({ type: 'leak', detail: `read: the refusal quotes the file: ${decoded.reason.slice(0, 120)}` });
      return done('unreadable', [decoded.reason.replace(/\d+/g, '#').replace(/ at .*$/, '')]);
    }
    text = decoded.text;
  } else {
    text = input.body.text;
  }

  const source = new SourceFile(PATH, text);
  const checked = stage('check', stageMs, failures, () => analyseSource(source));
  if (checked) {
    failures.push(...diagnosticProblems(checked, source, 'check'));
    stage('render', stageMs, failures, () => {
      renderDiagnostics(checked, new Map([[PATH, source]]), { color: false });
      renderDiagnosticsJson(checked);
    });
  }

  let compiled: ReturnType<typeof compileSource> | undefined;
  let modelChoice = false;
  try {
    compiled = stage('compile', stageMs, failures, () => compileSource(text, PATH), (e) => e instanceof ModelChoiceError);
  } catch {
    modelChoice = true;
  }
  if (compiled) {
    failures.push(...diagnosticProblems(compiled.diagnostics, source, 'compile'));
    const manifest = compiled.bundle?.manifest;
    if (manifest) {
      stage('validate', stageMs, [], () => {
        try {
          validateManifest(JSON.parse(JSON.stringify(manifest)));
        } catch (error) {
          failures.push({ type: 'invalid-bundle', detail: describeError('validate', error) });
        }
      });
    }
    const models = compiled.program?.items.filter((i) => i.kind === 'Model').length ?? 0;
    if (checked && models === 1 && hasErrors(checked) !== hasErrors(compiled.diagnostics)) {
      const codes = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error').map((d) => d.code).join(' ') || 'none';
      failures.push({ type: 'check-compile-disagree', detail: `check errors: ${codes(checked)}; compile errors: ${codes(compiled.diagnostics)}` });
    }
  }

  stage('fmt', stageMs, failures, () => checkFormat(source, failures));

  const diagnostics = compiled?.diagnostics ?? checked ?? [];
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  if (failures.some((f) => f.type === 'escaped-exception') && !compiled?.bundle) return done('escaped', codes);
  if (modelChoice) return done('model-choice', codes);
  if (compiled?.bundle) return done('accepted', codes);
  return done(hasErrors(diagnostics) ? 'diagnostics' : 'no-bundle', codes);
}

/** What `regc fmt` checks before it writes, and that formatting twice changes nothing. */
function checkFormat(source: SourceFile, failures: Failure[]): void {
  const parsed = parse(source);
  if (hasErrors(parsed.diagnostics)) return;
  const formatted = format(parsed.program, source);
  const again = parse(new SourceFile(source.path, formatted));
  if (hasErrors(again.diagnostics)) {
    failures.push({ type: 'formatter', detail: `fmt: the formatted text has syntax errors (${again.diagnostics[0]!.code} ${again.diagnostics[0]!.message})` });
  } else if (!sameSyntax(parsed.program, again.program)) {
    failures.push({ type: 'formatter', detail: 'fmt: formatting changes the syntax tree (regc fmt refuses to write)' });
  } else if (format(again.program, new SourceFile(source.path, formatted)) !== formatted) {
    failures.push({ type: 'formatter', detail: 'fmt: formatting the formatted text changes it again' });
  }
}

/** A spec case as it is written to the failures folder. */
export function reproOf(input: SpecInput): unknown {
  return 'bytes' in input.body
    ? { kind: 'spec', origin: input.origin, bytesBase64: Buffer.from(input.body.bytes).toString('base64'), secret: input.secret }
    : { kind: 'spec', origin: input.origin, text: input.body.text };
}

/** The inverse of reproOf. */
export function specInputFromRepro(repro: { origin?: string; text?: string; bytesBase64?: string; secret?: string }, index = 0): SpecInput {
  const body: SpecBody = repro.bytesBase64 !== undefined ? { bytes: new Uint8Array(Buffer.from(repro.bytesBase64, 'base64')) } : { text: repro.text ?? '' };
  return { index, origin: repro.origin ?? 'replay', body, ...(repro.secret ? { secret: repro.secret } : {}) };
}
