// Looks a callable name up where it is written, and explains the miss:
// unknown (E0201, with the closest names of that place) or known but for
// another place (E0203: "`mse` is a loss, not a layer").
import type { Ident } from '../../grammar/ast.ts';
import { REGISTRY, lookup, namesFor, suggest } from '../registry/index.ts';
import type { OpSpec, Place } from '../registry/types.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

const NOUNS: Record<Place, string> = {
  layer: 'layer',
  attachment: 'attachment',
  loss: 'loss',
  optimizer: 'optimizer',
  schedule: 'schedule',
  penalty: 'penalty',
  noise: 'noise',
  augment: 'augmentation',
  clip: 'gradient clipping',
  early_stop: 'early stopping rule',
  calibrate: 'calibration',
  metric: 'metric',
};

/** `layer`, or with `withArticle` `a layer` / `an optimizer`. */
export function placeNoun(place: Place, withArticle = false): string {
  const noun = NOUNS[place];
  if (!withArticle) return noun;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** Names written where a different kind of thing was expected, beyond the registry's (blocks, models, values). */
export interface OtherName {
  readonly name: string;
  /** With article: `a model`, `a value`. */
  readonly what: string;
}

/**
 * The op `ident` names at `place`, or undefined after reporting why not.
 * `extra` are further candidates for suggestions (block names in a body).
 * Empty names come from error recovery and are skipped silently.
 */
export function resolveAt(
  ident: Ident,
  place: Place,
  sink: DiagnosticSink,
  extra: readonly string[] = [],
  other?: OtherName,
): OpSpec | undefined {
  const name = ident.name;
  if (name === '') return undefined;
  const op = lookup(name, place);
  if (op !== undefined) return op;
  reportMisplaced(ident, place, sink, extra, other);
  return undefined;
}

export function reportMisplaced(
  ident: Ident,
  place: Place,
  sink: DiagnosticSink,
  extra: readonly string[] = [],
  other?: OtherName,
): void {
  const name = ident.name;
  const noun = placeNoun(place);
  const elsewhere = REGISTRY.get(name);
  if (other !== undefined || elsewhere !== undefined) {
    const what = other?.what ?? placeNoun(elsewhere!.place, true);
    const close = suggest(name, [...namesFor(place), ...extra]);
    sink.report({
      code: 'E0203',
      message: `\`${name}\` is ${what}, not ${placeNoun(place, true)}`,
      span: ident.span,
      label: `expected ${placeNoun(place, true)}`,
      ...(close.length > 0 ? { help: `there is ${placeNoun(place, true)} with a similar name: \`${close[0]}\`` } : {}),
    });
    return;
  }
  const candidates = namesFor(place);
  const close = suggest(name, [...candidates, ...extra]);
  const closeIsExtra = close.length > 0 && !candidates.includes(close[0]!);
  // Blocks are written where layers are: name both when a block is the likely meaning.
  const what = closeIsExtra ? `${noun} or block` : noun;
  sink.report({
    code: 'E0201',
    message: `unknown ${what} \`${name}\``,
    span: ident.span,
    label: `unknown ${what}`,
    ...(close.length > 0
      ? { help: `there is ${closeIsExtra ? 'a block' : placeNoun(place, true)} with a similar name: \`${close[0]}\`` }
      : {}),
    ...(close.length === 0 && candidates.length <= 12 ? { notes: [`${noun} names: ${candidates.join(', ')}`] } : {}),
  });
}
