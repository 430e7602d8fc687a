// Grammar-aware spec generation: whole `.reg` files built the way
// docs/language.md describes them (models with inputs, outputs, chains,
// labels, `let`, arithmetic, attachments; blocks with typed parameters and
// `repeat`; train sections with every statement), from the registry's
// vocabulary. Most files are meant to be correct, so that they reach
// lowering, the passes and code generation; a "sloppy" file makes the
// mistakes users make (misspelt names, wrong types, out-of-range values,
// missing or repeated arguments, duplicate labels) at a chosen rate.
import type { OpSpec, ParamSpec } from '../../compiler/registry/index.ts';
import { ATTACHMENTS, ELEMENT_TYPES, KEYWORDS, LAYER_OPS, OP_NAMES, PARAM_NAMES, opsAt } from './vocabulary.ts';
import { inputShape, SHAPE_RULES, TENSOR_COMBINERS, type Shape } from './layer-shapes.ts';
import type { Rng } from './prng.ts';
import { writeFloat, writeInt, writeValue, writeWrongValue } from './spec-values.ts';

/**
 * Parameters whose value decides a shape: set by the shape rules, and filled
 * in at random only in sloppy specs (a random `axis` is rarely right).
 */
const SHAPE_PARAMS = new Set(['axis', 'dims', 'start_dim', 'end_dim', 'dim', 'dim0', 'dim1', 'groups', 'kernel', 'stride', 'padding', 'dilation', 'out', 'shape', 'heads', 'embed_dim', 'size', 'k', 'mean', 'std']);

/** Chain steps the generator may write: every layer that takes one tensor. */
const CHAIN_OPS = LAYER_OPS.filter((o) => !TENSOR_COMBINERS.has(o.name) && o.inputs.min <= 1);

/** One letter off: what a typo looks like. */
function misspell(rng: Rng, word: string): string {
  const i = rng.int(0, Math.max(0, word.length - 1));
  return rng.weighted<() => string>([
    [() => word.slice(0, i) + word.slice(i + 1), 1],
    [() => (i + 1 < word.length ? word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2) : word.slice(0, -1)), 1],
    [() => word.slice(0, i) + 'x' + word.slice(i), 1],
  ])() || 'x';
}

class Writer {
  readonly lines: string[] = [];
  private usedLabels = new Set<string>();
  private labelCounter = 0;
  readonly weightLabels: string[] = [];

  constructor(
    readonly rng: Rng,
    /** Chance of a mistake at each decision a mistake could be made at. */
    readonly sloppiness: number,
  ) {}

  mistake(): boolean {
    return this.sloppiness > 0 && this.rng.chance(this.sloppiness);
  }

  resetLabels(): void {
    this.usedLabels = new Set();
    this.labelCounter = 0;
  }

  label(op: OpSpec): string {
    const rng = this.rng;
    if (!(op.hasWeights ? rng.chance(0.6) : rng.chance(0.15))) return '';
    if (this.mistake() && this.usedLabels.size > 0) return `${rng.pick([...this.usedLabels])}: `;
    const stem = rng.weighted<string>([
      [op.name.replace(/[^a-z]/g, '').slice(0, 3) || 'l', 6],
      ['fc', 2],
      ['layer', 1],
      [rng.pick(KEYWORDS.filter((k) => !['model', 'block', 'train', 'input', 'output', 'let', 'repeat', 'with', 'on', 'true', 'false'].includes(k))), 1],
    ]);
    let name = `${stem}${++this.labelCounter}`;
    if (rng.chance(0.05)) name = `_${name}`;
    this.usedLabels.add(name);
    if (op.hasWeights) this.weightLabels.push(name);
    return `${name}: `;
  }

  /** `name(args)` from chosen argument values, the rest from the registry (optional ones sometimes). */
  call(op: OpSpec, chosen: ReadonlyMap<string, string>, extra = ''): string {
    const rng = this.rng;
    const values = new Map<string, string>();
    for (const param of op.params) {
      const given = chosen.get(param.name);
      if (given !== undefined) values.set(param.name, given);
      else if (param.default === undefined || (rng.chance(0.12) && (this.sloppiness > 0 || !SHAPE_PARAMS.has(param.name)))) values.set(param.name, this.valueFor(param));
    }
    if (this.mistake() && values.size > 0) values.delete(rng.pick([...values.keys()]));
    const ordered = op.params.filter((p) => values.has(p.name));
    // Positional for a prefix of the parameters in registry order, named after.
    let positional = 0;
    while (positional < ordered.length && ordered[positional] === op.params[positional] && rng.chance(0.5)) positional++;
    const parts = ordered.map((p, i) => (i < positional ? values.get(p.name)! : `${p.name}=${values.get(p.name)!}`));
    if (this.mistake()) {
      parts.push(
        rng.weighted<() => string>([
          [() => `${misspell(rng, rng.pick(op.params.map((p) => p.name).concat(['out'])))}=1`, 3],
          [() => (parts.length > 0 ? parts[rng.int(0, parts.length - 1)]! : '1'), 2],
          [() => `${rng.pick(PARAM_NAMES)}=${writeInt(rng, rng.int(0, 4))}`, 2],
          [() => writeInt(rng, rng.int(0, 9)), 1],
        ])(),
      );
    }
    const name = this.mistake() ? rng.weighted<() => string>([[() => misspell(rng, op.name), 3], [() => rng.pick(OP_NAMES), 1]])() : op.name;
    if (parts.length === 0 && extra === '' && rng.chance(0.7)) return name;
    const all = extra ? [extra, ...parts] : parts;
    return `${name}(${all.join(', ')}${rng.chance(0.05) && all.length > 0 ? ',' : ''})`;
  }

  valueFor(param: ParamSpec): string {
    return this.mistake() ? writeWrongValue(this.rng, param) : writeValue(this.rng, param.type, param.range);
  }

  /** ` with weightnorm`, ` with spectralnorm(power_iterations=2), dropconnect(0.1)`, or nothing. */
  attachments(op: OpSpec): string {
    const rng = this.rng;
    const fits = ATTACHMENTS.filter((a) => a.attachesTo?.includes(op.name) || this.mistake());
    if (fits.length === 0 || !rng.chance(0.12)) return '';
    const chosen = new Set([rng.pick(fits)]);
    if (rng.chance(0.3)) chosen.add(rng.pick(fits));
    return ` with ${[...chosen].map((a) => this.call(a, new Map())).join(', ')}`;
  }
}

interface Step {
  readonly text: string;
  readonly shape: Shape;
}

/** One layer applied to a value of `shape`: a fitting one most of the time. */
function layerStep(w: Writer, shape: Shape, preserveShape = false): Step {
  const rng = w.rng;
  for (let attempt = 0; attempt < 8; attempt++) {
    const op = rng.pick(CHAIN_OPS);
    const rule = SHAPE_RULES[op.name];
    const applied = rule ? rule(rng, shape) : { args: new Map<string, string>(), shape };
    if (!applied) continue;
    if (preserveShape && applied.shape.join() !== shape.join()) continue;
    const extra = w.attachments(op);
    return { text: `${w.label(op)}${w.call(op, applied.args)}${extra}`, shape: applied.shape };
  }
  return { text: 'relu', shape };
}

/** `a -> b -> c`, sometimes continued on the next line. */
function chain(w: Writer, shape: Shape, length: number, preserveShape = false): Step {
  let current = shape;
  const parts: string[] = [];
  for (let i = 0; i < length; i++) {
    const step = layerStep(w, current, preserveShape);
    parts.push(step.text);
    current = step.shape;
  }
  const joiner = w.rng.chance(0.1) ? '\n    -> ' : ' -> ';
  return { text: parts.join(joiner), shape: current };
}

interface BodyState {
  flow: Shape;
  /** Names bound by `input` and `let`, with their shapes. */
  readonly values: Map<string, Shape>;
  /** Blocks this file defines, for calls. */
  readonly blocks: BlockDef[];
}

interface BlockDef {
  readonly name: string;
  readonly text: string;
  /** The shape the block is correct for, and the call's arguments. */
  readonly shape: Shape;
  readonly args: string;
  readonly preservesShape: boolean;
  readonly out: Shape;
}

const sameShape = (a: Shape, b: Shape) => a.join() === b.join();

/** A value bound to a fresh name. */
function freshName(rng: Rng, values: ReadonlyMap<string, Shape>): string {
  const stem = rng.pick(['h', 'a', 'b', 'z', 'feat', 'skip', 'r', 'v']);
  let n = values.size;
  while (values.has(`${stem}${n}`)) n++;
  return `${stem}${n}`;
}

/** One statement of a model body, and the flow shape after it. */
function statement(w: Writer, state: BodyState): string {
  const rng = w.rng;
  const kind = rng.weighted<string>([
    ['layer', 5],
    ['chain', 4],
    ['let', 3],
    ['residual', 2],
    ['scale', 1],
    ['concat', 1],
    ['block', state.blocks.length > 0 ? 3 : 0],
  ]);
  switch (kind) {
    case 'layer': {
      const step = layerStep(w, state.flow);
      state.flow = step.shape;
      return step.text;
    }
    case 'chain': {
      const step = chain(w, state.flow, rng.int(2, 4));
      state.flow = step.shape;
      return step.text;
    }
    case 'let': {
      const name = freshName(rng, state.values);
      const from = rng.chance(0.5) ? rng.pick([...state.values.keys()]) : undefined;
      const start = from ? state.values.get(from)! : state.flow;
      const step = chain(w, start, rng.int(1, 3));
      state.values.set(name, step.shape);
      state.flow = step.shape;
      return `let ${name} = ${from ? `${from} -> ` : ''}${step.text}`;
    }
    case 'residual': {
      // h = f(x) with f keeping the shape, then x + h: the commonest join.
      const candidates = [...state.values].filter(([, s]) => sameShape(s, state.flow));
      const name = freshName(rng, state.values);
      const step = chain(w, state.flow, rng.int(1, 2), true);
      state.values.set(name, step.shape);
      const other = candidates.length > 0 ? rng.pick(candidates)[0] : undefined;
      if (!other) return `let ${name} = ${step.text}`;
      const op = rng.pick(['+', '-', '*', '/']);
      const join = rng.chance(0.5) ? `${rng.pick(['relu', 'tanh', 'sigmoid'])}(${name} ${op} ${other})` : `${name} ${op} ${other}`;
      return `let ${name} = ${step.text}\n  ${join}`;
    }
    case 'scale': {
      const values = [...state.values.keys()];
      const name = rng.pick(values);
      state.flow = state.values.get(name)!;
      return rng.pick([`${writeFloat(rng, 0.5)} * ${name}`, `${name} / ${writeInt(rng, 2)}`, `-${name}`, `(${name} + ${name}) / 2`, `1 - ${name}`]);
    }
    case 'concat': {
      const [name, shape] = rng.pick([...state.values]);
      if (shape.length === 0) return 'relu';
      const twice = [shape[0]! * 2, ...shape.slice(1)];
      state.flow = twice;
      const op = rng.pick(['concat', 'add', 'mul']);
      if (op !== 'concat') {
        state.flow = shape;
        return `${op}(${name}, ${name})`;
      }
      return `concat(${name}, ${name}${rng.chance(0.5) ? ', axis=1' : ''})`;
    }
    default: {
      const fitting = state.blocks.filter((b) => sameShape(b.shape, state.flow));
      const block = fitting.length > 0 ? rng.pick(fitting) : rng.pick(state.blocks);
      const label = rng.chance(0.6) ? `${misspell(rng, 'stage')}${state.values.size}: ` : '';
      const times = block.preservesShape && rng.chance(0.5) ? `repeat ${rng.chance(0.8) ? rng.int(1, 3) : `(${rng.int(1, 2)} * 2)`} ` : '';
      if (fitting.includes(block)) state.flow = block.out;
      return `${label}${times}${block.name}(${block.args})`;
    }
  }
}

/** A block correct for `shape`: a residual unit (shape kept, so it can `repeat`) or a shape-changing stage. */
function block(w: Writer, name: string, shape: Shape): BlockDef {
  const rng = w.rng;
  w.resetLabels();
  const residual = rng.chance(0.6);
  const params: string[] = [];
  const callArgs: string[] = [];
  const last = shape[shape.length - 1]!;
  params.push('ch: int');
  callArgs.push(writeInt(rng, residual ? (shape.length === 3 ? shape[0]! : last) : rng.int(1, 8)));
  if (rng.chance(0.5)) {
    params.push(`p: float = ${writeFloat(rng, 0.1)}`);
    if (rng.chance(0.5)) callArgs.push(`p=${writeFloat(rng, 0.2)}`);
  }
  if (rng.chance(0.2)) params.push(`flag: bool = ${rng.chance(0.5)}`);
  if (rng.chance(0.1)) params.push(`tag: string = "t"`);
  if (w.mistake()) params.push(`${rng.pick(['q', 'k'])}: ${rng.pick(['int', 'float', 'tensor', 'str'])}${rng.chance(0.5) ? ' = "x"' : ''}`);
  const body: string[] = ['input x'];
  const usesP = params.some((p) => p.startsWith('p:'));
  if (residual) {
    // The width is the block's `ch`, so the unit keeps its input's shape.
    const inner = shape.length === 3 ? `c1: conv2d(ch, 3, padding=1)` : `fc1: linear(ch)`;
    const middle = chain(w, shape, rng.int(0, 2), true).text;
    body.push(`let h = x -> ${inner}${middle ? ` -> ${middle}` : ''}`);
    body.push(usesP ? `output relu(x + drop_path(h, p))` : rng.chance(0.5) ? 'output x + h' : 'h + x');
  } else {
    const inner = shape.length === 3 ? `conv2d(ch, 3, padding=1)` : `linear(ch)`;
    body.push(`${inner} -> ${rng.pick(['relu', 'gelu', 'tanh'])}${usesP ? ' -> dropout(p)' : ''}`);
  }
  const text = `block ${name}(${params.join(', ')}) {\n${body.map((l) => `  ${l}`).join('\n')}\n}`;
  // The width a stage makes, for the generator's shape tracking (1 where the argument is spelt as arithmetic).
  const written = Number(callArgs[0]!.replace(/_/g, ''));
  const ch = Number.isFinite(written) ? written : 1;
  const out: Shape = residual ? shape : shape.length === 3 ? [ch, shape[1]!, shape[2]!] : [...shape.slice(0, -1), ch];
  return { name, text, shape, args: callArgs.join(', '), preservesShape: residual, out };
}

function tensorType(w: Writer, shape: Shape): string {
  const rng = w.rng;
  const dtype = w.mistake() ? rng.pick(ELEMENT_TYPES) : 'f32';
  const dims = ['N', ...shape.map(String)];
  if (w.mistake()) dims.splice(rng.int(0, dims.length - 1), 1, rng.pick(['0', 'M', '-1', '2.5', 'N']));
  return `${dtype}[${dims.join(', ')}]`;
}

function model(w: Writer, name: string, blocks: BlockDef[], blockShape: Shape): string {
  const rng = w.rng;
  w.resetLabels();
  const shape = blocks.length > 0 ? blockShape : inputShape(rng);
  const inputs = rng.chance(0.15) ? 2 : 1;
  const state: BodyState = { flow: shape, values: new Map(), blocks };
  const lines: string[] = [];
  const inputNames = ['x', 'image', 'tokens', 'a', 'b', 'features'];
  for (let i = 0; i < inputs; i++) {
    const inputName = i === 0 ? rng.pick(inputNames) : `${rng.pick(inputNames)}${i}`;
    lines.push(`input ${inputName}: ${tensorType(w, shape)}`);
    state.values.set(inputName, shape);
  }
  const outputName = rng.pick(['y', 'logits', 'out', 'probs', 'loss']);
  const outputFirst = rng.chance(0.8);
  if (outputFirst) lines.push(`output ${outputName}`);
  const count = rng.int(1, 8);
  for (let i = 0; i < count; i++) lines.push(statement(w, state));
  if (rng.chance(0.15)) {
    const bound = [...state.values.keys()].filter((n) => !n.startsWith(outputName));
    if (bound.length > 0) lines.push(`output ${rng.pick(bound)}`);
  }
  if (!outputFirst) lines.push(`output ${outputName}`);
  return `model ${name} {\n${layout(rng, lines)}\n}`;
}

/** Statements as lines, sometimes two to a line, with comments and odd indentation. */
function layout(rng: Rng, statements: readonly string[]): string {
  const out: string[] = [];
  for (const s of statements) {
    const indent = rng.weighted<string>([['  ', 20], ['    ', 2], ['\t', 1], ['', 1]]);
    if (out.length > 0 && rng.chance(0.08) && !s.includes('\n')) {
      out[out.length - 1] += `; ${s}`;
      continue;
    }
    if (rng.chance(0.07)) out.push(`${indent}// ${rng.pick(['the stem', 'TODO: widen', 'shape [N, C]', 'ünïcödé ✓', '/* not a block */'])}`);
    if (rng.chance(0.03)) out.push('');
    const trailing = rng.chance(0.07) ? rng.pick(['  // note', ' /* inline */', '  //']) : '';
    out.push(`${indent}${s.replace(/\n/g, `\n${indent}`)}${trailing}`);
  }
  return out.join('\n');
}

function globs(w: Writer): string {
  const rng = w.rng;
  const labels = w.weightLabels;
  const one = () =>
    rng.weighted<() => string>([
      [() => (labels.length > 0 ? `${rng.pick(labels)}.weight` : '*.weight'), 4],
      [() => (labels.length > 0 ? `${rng.pick(labels).slice(0, 2)}*.bias` : '*.bias'), 2],
      [() => '*', 1],
      [() => `"${labels.length > 0 ? rng.pick(labels) : 'fc'}*"`, 1],
      [() => rng.pick(['nothing.weight', '[!a]*.weight', '*.w?ight', 'fc[1-3].*']), w.sloppiness > 0 ? 2 : 0],
    ])();
  return Array.from({ length: rng.small(3) }, one).join(', ');
}

function train(w: Writer, name: string): string {
  const rng = w.rng;
  const lines: string[] = [];
  const callAt = (place: Parameters<typeof opsAt>[0]) => w.call(rng.pick(opsAt(place)), new Map());
  lines.push(`loss ${callAt('loss')}`);
  lines.push(`optimizer ${callAt('optimizer')}`);
  if (rng.chance(0.6)) {
    const phases: string[] = [];
    // A phase with a length gives exactly one of `epochs` and `steps`; only those can be followed.
    const lengthParams = (o: OpSpec) => o.params.filter((p) => p.name === 'epochs' || p.name === 'steps');
    const phase = (o: OpSpec) => {
      const units = lengthParams(o);
      return w.call(o, units.length > 0 ? new Map([[rng.pick(units).name, writeInt(rng, rng.int(1, 20))]]) : new Map());
    };
    const withLength = opsAt('schedule').filter((o) => lengthParams(o).length > 0);
    for (let i = rng.int(0, 2); i > 0; i--) phases.push(phase(rng.pick(withLength)));
    phases.push(phase(rng.pick(opsAt('schedule'))));
    lines.push(`schedule ${phases.join(' then ')}`);
  }
  // Globs must match a trainable parameter; a model without weights gets them only when sloppy.
  const hasWeights = w.weightLabels.length > 0 || w.sloppiness > 0;
  if (rng.chance(0.3) && hasWeights) lines.push(`penalty ${callAt('penalty')} on ${globs(w)}`);
  if (rng.chance(0.3)) lines.push(`noise ${callAt('noise')} on ${hasWeights ? rng.pick(['input', 'weights', globs(w)]) : 'input'}`);
  if (rng.chance(0.3)) {
    const ops = Array.from({ length: rng.small(4) }, () => callAt('augment'));
    lines.push(rng.chance(0.5) ? `augment { ${ops.join('; ')} }` : `augment {\n    ${ops.join('\n    ')}\n  }`);
  }
  if (rng.chance(0.3)) lines.push(`clip ${callAt('clip')}`);
  if (rng.chance(0.2)) lines.push(callAt('early_stop'));
  if (rng.chance(0.2)) lines.push(`calibrate ${callAt('calibrate')}`);
  if (rng.chance(0.5)) lines.push(`metrics ${Array.from({ length: rng.small(3) }, () => callAt('metric')).join(', ')}`);
  const settings: [string, () => string][] = [
    ['batch', () => writeInt(rng, rng.int(1, 128))],
    ['epochs', () => writeInt(rng, rng.int(1, 50))],
    ['seed', () => writeInt(rng, rng.int(0, 99))],
    ['steps', () => writeInt(rng, rng.int(1, 1000))],
    ['val_split', () => writeFloat(rng, 0.1)],
  ];
  for (const [word, value] of settings) if (rng.chance(0.3)) lines.push(`${word} ${w.mistake() ? rng.pick(['0', '-1', '1.5', 'x']) : value()}`);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  return `train ${name} {\n${layout(rng, lines)}\n}`;
}

/** A whole `.reg` file. */
export function generateSpec(rng: Rng): string {
  const sloppiness = rng.weighted<number>([[0, 6], [0.03, 2], [0.15, 2]]);
  const w = new Writer(rng, sloppiness);
  const items: string[] = [];
  const modelName = rng.pick(['Net', 'Model', 'Classifier', 'M', 'Tiny', 'Encoder']);
  const blocks: BlockDef[] = [];
  const shape = inputShape(rng);
  for (let i = rng.weighted<number>([[0, 6], [1, 3], [2, 1]]); i > 0; i--) {
    const def = block(w, `${rng.pick(['Unit', 'Residual', 'Stage', 'Down'])}${i}`, shape);
    blocks.push(def);
    items.push(def.text);
  }
  w.resetLabels();
  const m = model(w, modelName, blocks, shape);
  const trained = rng.chance(0.5);
  const t = trained ? train(w, w.mistake() ? misspell(rng, modelName) : modelName) : undefined;
  // Items may come in any order; blocks are often used before they are defined.
  items.push(m);
  if (t) items.push(t);
  if (rng.chance(0.05)) items.push(model(new Writer(rng, sloppiness), `${modelName}2`, [], shape));
  if (rng.chance(0.3)) items.reverse();
  const header = rng.chance(0.3) ? `// generated spec\n\n` : '';
  const text = header + items.join(rng.pick(['\n\n', '\n', '\n\n\n'])) + '\n';
  return rng.chance(0.05) ? text.replace(/\n/g, '\r\n') : text;
}
