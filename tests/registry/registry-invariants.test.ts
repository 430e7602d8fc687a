import { describe, expect, it } from 'vitest';
import { ALL_OPS, REGISTRY, conformsToType, lookup, namesFor, withinRange } from '../../compiler/registry/index.ts';
import type { Group, OpSpec, ParamSpec, Place } from '../../compiler/registry/types.ts';

// Written as records so that adding a Group or Place to types.ts without
// listing it here is a type error, and the "non-empty" checks cover it.
const GROUPS: Record<Group, true> = {
  layers: true,
  activations: true,
  normalizers: true,
  regularizers: true,
  structure: true,
  attention: true,
  'weight-reparameterisations': true,
  losses: true,
  optimizers: true,
  schedules: true,
  penalties: true,
  noise: true,
  augmentations: true,
  'gradient-clipping': true,
  'early-stopping': true,
  calibration: true,
  metrics: true,
};

const PLACES: Record<Place, true> = {
  layer: true,
  attachment: true,
  loss: true,
  optimizer: true,
  schedule: true,
  penalty: true,
  noise: true,
  augment: true,
  clip: true,
  early_stop: true,
  calibrate: true,
  metric: true,
};

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

function docProblem(doc: string): string | undefined {
  if (doc.length === 0) return 'empty';
  if (doc !== doc.trim()) return 'surrounding whitespace';
  if (/[\r\n]/.test(doc)) return 'more than one line';
  if (/^[A-Z]/.test(doc)) return 'starts with a capital';
  if (doc.endsWith('.')) return 'ends with a period';
  return undefined;
}

const paramCases = ALL_OPS.flatMap((op) => op.params.map((param) => [`${op.name}.${param.name}`, op, param] as const));

describe('registry', () => {
  it('has each name once, across all places', () => {
    const names = ALL_OPS.map((op) => op.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    expect(REGISTRY.size).toBe(ALL_OPS.length);
  });

  it('has unique names within every place', () => {
    for (const place of Object.keys(PLACES) as Place[]) {
      const names = namesFor(place);
      expect(new Set(names).size, place).toBe(names.length);
    }
  });

  it('uses snake_case identifiers for names and parameters', () => {
    for (const op of ALL_OPS) {
      expect(op.name, op.name).toMatch(IDENTIFIER);
      for (const param of op.params) expect(param.name, `${op.name}.${param.name}`).toMatch(IDENTIFIER);
    }
  });

  it('has unique parameter names within each op', () => {
    for (const op of ALL_OPS) {
      const names = op.params.map((p) => p.name);
      expect(new Set(names).size, op.name).toBe(names.length);
    }
  });

  it('puts required parameters before optional ones, so positional arguments fill them first', () => {
    for (const op of ALL_OPS) {
      const required = op.params.map((p) => !('default' in p));
      const firstOptional = required.indexOf(false);
      if (firstOptional !== -1) expect(required.slice(firstOptional), op.name).not.toContain(true);
    }
  });

  it('has a non-empty group for every Group and at least one name for every Place', () => {
    for (const group of Object.keys(GROUPS) as Group[]) {
      expect(ALL_OPS.some((op) => op.group === group), group).toBe(true);
    }
    for (const place of Object.keys(PLACES) as Place[]) {
      expect(namesFor(place).length, place).toBeGreaterThan(0);
    }
  });

  it('documents every op in one lowercase line without a final period', () => {
    for (const op of ALL_OPS) expect(docProblem(op.doc), op.name).toBeUndefined();
  });

  it.each(paramCases)('documents %s in one lowercase line without a final period', (_, __, param) => {
    expect(docProblem(param.doc)).toBeUndefined();
  });

  it.each(paramCases)('gives %s a default that satisfies its own type and range', (_, __, param: ParamSpec) => {
    if (param.default === undefined || param.default === null) return;
    expect(conformsToType(param.default, param.type)).toBe(true);
    if (param.range) expect(withinRange(param.default, param.range)).toBe(true);
  });

  it('declares only ranges that some value can satisfy', () => {
    for (const [label, , param] of paramCases) {
      const { range } = param;
      if (range?.min === undefined || range.max === undefined) continue;
      const open = range.minExclusive || range.maxExclusive;
      expect(open ? range.min < range.max : range.min <= range.max, label).toBe(true);
    }
  });

  it('declares enums with distinct words', () => {
    for (const [label, , param] of paramCases) {
      if (param.type.kind !== 'enum') continue;
      expect(param.type.values.length, label).toBeGreaterThan(1);
      expect(new Set(param.type.values).size, label).toBe(param.type.values.length);
      for (const word of param.type.values) expect(word, label).toMatch(IDENTIFIER);
    }
  });

  it('gives tensor inputs to layers only', () => {
    for (const op of ALL_OPS) {
      if (op.place === 'layer') {
        expect(op.inputs.min, op.name).toBeGreaterThanOrEqual(1);
        expect(op.inputs.max, op.name).toBeGreaterThanOrEqual(op.inputs.min);
      } else {
        expect(op.inputs, op.name).toEqual({ min: 0, max: 0 });
      }
    }
  });

  it('lets attachments, and only attachments, name layers with weights they attach to', () => {
    for (const op of ALL_OPS) {
      if (op.place !== 'attachment') {
        expect(op.attachesTo, op.name).toBeUndefined();
        continue;
      }
      expect(op.attachesTo?.length, op.name).toBeGreaterThan(0);
      for (const target of op.attachesTo ?? []) {
        const layer = lookup(target, 'layer');
        expect(layer?.hasWeights, `${op.name} -> ${target}`).toBe(true);
      }
    }
  });

  it('cites torch counterparts as dotted paths', () => {
    for (const op of ALL_OPS) {
      if (op.torch !== undefined) expect(op.torch, op.name).toMatch(/^[a-z_]+(\.[A-Za-z_][A-Za-z0-9_]*)+$/);
    }
  });
});

describe('lookup and namesFor', () => {
  it('finds a name, optionally only at a place', () => {
    expect(lookup('conv2d')?.torch).toBe('torch.nn.Conv2d');
    expect(lookup('conv2d', 'layer')?.name).toBe('conv2d');
    expect(lookup('conv2d', 'loss')).toBeUndefined();
    expect(lookup('mse', 'loss')?.group).toBe('losses');
    expect(lookup('batchnrom')).toBeUndefined();
  });

  it('lists the names of a place in documentation order', () => {
    expect(namesFor('loss')).toEqual(['cross_entropy', 'nll', 'bce_with_logits', 'mse']);
    expect(namesFor('attachment')).toEqual(['dropconnect', 'weightnorm', 'spectralnorm']);
    expect(namesFor('layer')).toContain('multihead_attention');
    expect(namesFor('layer')).not.toContain('adamw');
  });

  it('returns the same REGISTRY entries that ALL_OPS holds', () => {
    for (const op of ALL_OPS) expect(REGISTRY.get(op.name)).toBe<OpSpec>(op);
  });
});
