// Spec case `index` of a campaign: a generated file, a mutated example spec
// from specs/, or a mutated generated file. Made from (seed, index) alone, so
// any worker can make any case.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from './prng.ts';
import { generateSpec } from './spec-generator.ts';
import { mutateSpec } from './spec-mutator.ts';
import type { SpecInput } from './spec-oracle.ts';

const SPECS_FOLDER = fileURLToPath(new URL('../../specs/', import.meta.url));

export interface ExampleSpec {
  readonly name: string;
  readonly text: string;
}

let examples: readonly ExampleSpec[] | undefined;

/** The example specs, in name order (the order matters: cases pick them by index). */
export function exampleSpecs(): readonly ExampleSpec[] {
  examples ??= readdirSync(SPECS_FOLDER)
    .filter((f) => f.endsWith('.reg'))
    .sort()
    .map((name) => ({ name: `specs/${name}`, text: readFileSync(`${SPECS_FOLDER}${name}`, 'utf8') }));
  return examples;
}

export function specCase(seed: number, index: number): SpecInput {
  const rng = Rng.forCase(seed, 'spec', index);
  const kind = rng.weighted<'generated' | 'mutated-example' | 'mutated-generated'>([
    ['generated', 45],
    ['mutated-example', 35],
    ['mutated-generated', 20],
  ]);
  if (kind === 'generated') return { index, origin: 'generated', body: { text: generateSpec(rng) } };
  const example = kind === 'mutated-example' ? rng.pick(exampleSpecs()) : { name: 'generated', text: generateSpec(rng) };
  const mutated = mutateSpec(rng, example.text);
  return {
    index,
    origin: `${example.name} mutated: ${mutated.mutations.join(', ')}`,
    body: mutated.body,
    ...(mutated.secret ? { secret: mutated.secret } : {}),
  };
}
