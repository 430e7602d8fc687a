// A tensor file that cannot be read or written. Always names the format, and
// the tensor when one is at fault, so "which weight is broken" is answered by
// the message alone. A reader that finds several problems reports them all
// in one error (TensorFileError.listing), so one run shows what to fix.
import { listProblems } from './problem-list.ts';

export type TensorFileFormat = 'safetensors' | 'npy';

export interface TensorFileProblem {
  readonly problem: string;
  /** The tensor at fault, if one is. */
  readonly tensor?: string;
}

function describeProblem(p: TensorFileProblem): string {
  return `${p.tensor === undefined ? '' : `tensor ${JSON.stringify(p.tensor)}: `}${p.problem}`;
}

export class TensorFileError extends Error {
  override readonly name = 'TensorFileError';
  /** Every problem found, in the order found; the first is `problem` and `tensor`. */
  readonly problems: readonly TensorFileProblem[];

  constructor(
    readonly format: TensorFileFormat,
    readonly problem: string,
    readonly tensor?: string,
    problems?: readonly TensorFileProblem[],
  ) {
    const all = problems && problems.length > 0 ? problems : [{ problem, ...(tensor === undefined ? {} : { tensor }) }];
    super(all.length === 1 ? `${format}: ${describeProblem(all[0]!)}` : `${format}: ${all.length} problems:\n${listProblems(all.map(describeProblem))}`);
    this.problems = all;
  }

  /** One error for every problem in `problems` (at least one). */
  static listing(format: TensorFileFormat, problems: readonly TensorFileProblem[]): TensorFileError {
    const first = problems[0]!;
    return new TensorFileError(format, first.problem, first.tensor, problems);
  }
}
