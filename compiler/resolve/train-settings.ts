// `batch 64`, `epochs 20`, `steps 1000`, `seed 0`, `val_split 0.1`.
import type { SettingStmt } from '../../grammar/ast.ts';
import { formatValue, numberWithinRange } from '../registry/index.ts';
import type { Range, Value } from '../registry/types.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import { evaluateConst } from './evaluate.ts';

interface SettingRule {
  readonly integer: boolean;
  readonly range: Range;
  /** How the rule reads in a message: "a whole number of at least 1". */
  readonly expected: string;
}

const RULES: Record<string, SettingRule> = {
  batch: { integer: true, range: { min: 1 }, expected: 'a whole number of at least 1' },
  epochs: { integer: true, range: { min: 1 }, expected: 'a whole number of at least 1' },
  steps: { integer: true, range: { min: 1 }, expected: 'a whole number of at least 1' },
  seed: { integer: true, range: { min: 0 }, expected: 'a whole number of at least 0' },
  val_split: {
    integer: false,
    range: { min: 0, max: 1, minExclusive: true, maxExclusive: true },
    expected: 'a fraction strictly between 0 and 1',
  },
};

const EMPTY_ENV = { constants: new Map<string, Value>(), tensors: new Set<string>() };

export function checkSetting(stmt: SettingStmt, sink: DiagnosticSink): void {
  const key = stmt.key.name;
  const rule = RULES[key];
  if (rule === undefined || (stmt.value.kind === 'Name' && stmt.value.name === '')) return;
  const evaluated = evaluateConst(stmt.value, EMPTY_ENV, sink);
  if (!evaluated.ok) return;
  const value = evaluated.value;
  const fits =
    !evaluated.word &&
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    numberWithinRange(value, rule.range);
  if (fits) return;
  sink.report({
    code: 'E0407',
    message: `\`${key}\` must be ${rule.expected}, got ${formatValue(value)}`,
    span: stmt.value.span,
    label: 'invalid value',
  });
}
