// Renders the registry as Markdown tables into docs/language.md, between the
// GENERATED markers, so the reference can never disagree with the checker.
//   npx tsx docs/generate-language-tables.ts          rewrite the section
//   npx tsx docs/generate-language-tables.ts --check  exit 1 if it is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeRange, describeType, formatValue } from '../compiler/registry/describe.ts';
import { ALL_OPS } from '../compiler/registry/index.ts';
import type { Group, OpSpec, ParamSpec, Place } from '../compiler/registry/types.ts';

export const BEGIN_MARKER = '<!-- BEGIN GENERATED: registry -->';
export const END_MARKER = '<!-- END GENERATED: registry -->';

export const LANGUAGE_DOC = new URL('./language.md', import.meta.url);

const GROUP_TITLES: Record<Group, string> = {
  layers: 'Layers',
  structure: 'Structure',
  activations: 'Activations',
  normalizers: 'Normalizers',
  attention: 'Attention',
  regularizers: 'Regularizers',
  'weight-reparameterisations': 'Weight reparameterisations',
  losses: 'Losses',
  optimizers: 'Optimizers',
  schedules: 'Schedules',
  penalties: 'Penalties',
  noise: 'Noise',
  augmentations: 'Augmentations',
  'gradient-clipping': 'Gradient clipping',
  'early-stopping': 'Early stopping',
  calibration: 'Calibration',
  metrics: 'Metrics',
};

const PLACE_PHRASES: Record<Place, string> = {
  layer: 'in a model or block body',
  attachment: 'after `with` on a layer',
  loss: 'after `loss` in a train block',
  optimizer: 'after `optimizer` in a train block',
  schedule: 'after `schedule` in a train block, phases joined by `then`',
  penalty: 'after `penalty` in a train block, followed by `on` and parameter globs',
  noise: 'after `noise` in a train block, followed by `on input` or `on` and parameter globs',
  augment: 'inside `augment { ... }` in a train block, applied in order',
  clip: 'after `clip` in a train block',
  early_stop: 'as a statement of its own in a train block',
  calibrate: 'after `calibrate` in a train block',
  metric: 'after `metrics` in a train block, separated by commas',
};

/** Table cells cannot hold a raw `|` or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string): string {
  return `\`${text}\``;
}

function inputsNote(op: OpSpec): string {
  const { min, max } = op.inputs;
  if (op.place !== 'layer' || (min === 1 && max === 1)) return '';
  if (max === Infinity) return `; takes ${min} or more inputs`;
  if (min === max) return `; takes ${min} inputs`;
  return `; takes ${min} to ${max} inputs`;
}

function attachNote(op: OpSpec): string {
  return op.attachesTo ? `; attaches to ${op.attachesTo.map(code).join(', ')}` : '';
}

function defaultCell(param: ParamSpec): string {
  if (!('default' in param) || param.default === undefined) return 'required';
  if (param.default === null) return '*unset*';
  return code(formatValue(param.default, param.type));
}

function typeCell(param: ParamSpec): string {
  if (param.type.kind === 'enum') return param.type.values.map(code).join(' \\| ');
  return cell(describeType(param.type));
}

function row(cells: readonly string[]): string {
  return `|${cells.map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`;
}

function opRows(op: OpSpec): string[] {
  const meaning = cell(op.doc + inputsNote(op) + attachNote(op));
  const rows = [row([code(op.name), '', '', '', '', meaning, op.torch ? code(op.torch) : '—'])];
  for (const param of op.params) {
    const range = describeRange(param.range);
    rows.push(row(['', code(param.name), typeCell(param), defaultCell(param), range ? code(range) : '', cell(param.doc), '']));
  }
  return rows;
}

function placeSentence(ops: readonly OpSpec[]): string {
  const places = [...new Set(ops.map((op) => op.place))];
  if (places.length === 1) return `Written ${PLACE_PHRASES[places[0]!]}.`;
  const parts = places.map((place) => {
    const names = ops.filter((op) => op.place === place).map((op) => code(op.name));
    return `${PLACE_PHRASES[place]} (${names.join(', ')})`;
  });
  return `Written ${parts.join('; or ')}.`;
}

/** The whole generated section, without its markers. */
export function renderRegistryTables(): string {
  const groups = [...new Set(ALL_OPS.map((op) => op.group))];
  const out: string[] = [
    '',
    '<!-- Generated from compiler/registry by docs/generate-language-tables.ts; edit the registry, not this section. -->',
    '',
    '## Reference tables',
    '',
    'Every name a spec can call, with its parameters in positional order. A parameter whose default is',
    '*unset* may be omitted; its meaning says what happens then.',
  ];
  for (const group of groups) {
    const ops = ALL_OPS.filter((op) => op.group === group);
    out.push(
      '',
      `### ${GROUP_TITLES[group]}`,
      '',
      placeSentence(ops),
      '',
      '| name | parameter | type | default | range | meaning | PyTorch |',
      '|---|---|---|---|---|---|---|',
      ...ops.flatMap(opRows),
    );
  }
  out.push('');
  return out.join('\n');
}

/** `document` with the generated section replaced, creating the markers at the end if absent. */
export function withRegistryTables(document: string): string {
  const begin = document.indexOf(BEGIN_MARKER);
  const end = document.indexOf(END_MARKER);
  const section = `${BEGIN_MARKER}\n${renderRegistryTables()}\n${END_MARKER}`;
  if (begin === -1 || end === -1 || end < begin) {
    const separator = document === '' || document.endsWith('\n\n') ? '' : document.endsWith('\n') ? '\n' : '\n\n';
    return `${document}${separator}${section}\n`;
  }
  return document.slice(0, begin) + section + document.slice(end + END_MARKER.length);
}

const NEW_DOCUMENT = [
  '# The `.reg` language',
  '',
  'The tables below are generated from the registry (`compiler/registry`) by',
  '`docs/generate-language-tables.ts`.',
  '',
].join('\n');

function readDocument(): string {
  try {
    return readFileSync(LANGUAGE_DOC, 'utf8');
  } catch {
    return NEW_DOCUMENT;
  }
}

function main(argv: readonly string[]): number {
  const current = readDocument();
  const fresh = withRegistryTables(current);
  if (argv.includes('--check')) {
    if (fresh === current) return 0;
    console.error('docs/language.md is out of date with the registry; run npx tsx docs/generate-language-tables.ts');
    return 1;
  }
  if (fresh !== current) writeFileSync(LANGUAGE_DOC, fresh);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
