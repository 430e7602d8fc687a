// Where stored tensors' values come from: a weight file the user gave
// (checked against what the spec declares) or PyTorch's initialisers.
import type { TensorRole } from '../ir/types.ts';
import { describeNonFinite, nonFiniteIn } from '../../runtime/io/non-finite.ts';
import { materialiseInit, Rng, seedFor, type Init } from './init.ts';

export interface GivenTensor {
  readonly shape: readonly number[];
  /** The dtype as stored in the file (F32, F16, I64, ...), for messages. */
  readonly dtype: string;
  /** Decoded values; undefined when the dtype cannot be read as numbers. */
  readonly data: Float32Array | undefined;
}

export interface DeclaredTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: TensorRole;
}

/** A weight file that does not fit the spec; `problems` lists every mismatch. */
export class WeightFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`weights in ${path} do not match the spec (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
  }
}

export class WeightSource {
  private readonly declared: DeclaredTensor[] = [];

  constructor(
    private readonly given: ReadonlyMap<string, GivenTensor> | undefined,
    private readonly seed: number,
    private readonly options: { readonly allowNonFinite?: boolean } = {},
  ) {}

  /** The values of a declared tensor: from the file when given (checked later), else initialised. */
  values(tensor: DeclaredTensor, init: Init): Float32Array {
    this.declared.push(tensor);
    const count = tensor.shape.reduce((p, d) => p * d, 1);
    const fromFile = this.given?.get(tensor.name);
    if (fromFile?.data && fromFile.data.length === count && sameShape(fromFile.shape, tensor.shape)) return fromFile.data;
    return materialiseInit(init, count, new Rng(seedFor(this.seed, tensor.name)));
  }

  /** Whether the weight file holds `name` (false without a file), for a layer that takes either of two tensors. */
  holds(name: string): boolean {
    return this.given?.has(name) === true;
  }

  /**
   * Throws WeightFileError listing every missing, extra, misshaped or
   * unreadable tensor of a given file, and every one holding NaN or Inf
   * unless the allowNonFinite option is set.
   */
  check(weightsPath: string): void {
    if (!this.given) return;
    const problems: string[] = [];
    const declaredNames = new Set(this.declared.map((d) => d.name));
    for (const d of this.declared) {
      const g = this.given.get(d.name);
      // Statistics counters are optional: torch files have them, hand-made ones may not.
      if (!g) {
        if (d.name.endsWith('num_batches_tracked')) continue;
        problems.push(`missing tensor \`${d.name}\` (shape [${d.shape.join(', ')}])`);
      } else if (!sameShape(g.shape, d.shape)) {
        problems.push(`tensor \`${d.name}\` has shape [${g.shape.join(', ')}], the spec needs [${d.shape.join(', ')}]`);
      } else if (!g.data) {
        problems.push(`tensor \`${d.name}\` has dtype ${g.dtype}, which cannot be read as numbers`);
      } else if (!this.options.allowNonFinite) {
        const report = nonFiniteIn(d.name, g.data);
        if (report) problems.push(`${describeNonFinite(report)}: NaN or Inf weights make every output NaN (--allow-non-finite compiles it anyway)`);
      }
    }
    for (const name of this.given.keys()) {
      if (!declaredNames.has(name)) problems.push(`extra tensor \`${name}\` is not a parameter of the spec`);
    }
    if (problems.length > 0) throw new WeightFileError(weightsPath, problems);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  // torch stores num_batches_tracked as a 0-d tensor; [] and [1] are the same single value.
  const count = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  if (a.length <= 1 && b.length <= 1) return count(a) === count(b);
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
