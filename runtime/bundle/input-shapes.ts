// Checks the shapes (and dtypes) of a run's inputs against the ones the
// manifest declares, so an array of the right number of values but the wrong
// shape ([4, 1, 8, 16] for f32[N, 1, 16, 16]) is refused instead of running as
// another batch size. Pure: `regc run` and LoadedBundle.run both use it.

/** An input with its shape, for LoadedBundle.run; a bare Float32Array is taken as shaped by the manifest. */
export interface ShapedInput {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** A Uint32Array feeds a u32 port (a train bundle's RNG state). */
export type RunInput = Float32Array | Uint32Array | ShapedInput;

export interface DeclaredInput {
  readonly name: string;
  /** Dimensions; 'N' is the batch size, one value shared by every input. */
  readonly shape: readonly (number | 'N')[];
}

export interface InputShapeCheck {
  /** The batch size the shapes bind N to; undefined when no shaped input has N. */
  readonly batch: number | undefined;
  /** One line per input that does not fit; empty when all do. */
  readonly problems: readonly string[];
}

export function formatDeclared(shape: readonly (number | 'N')[]): string {
  return `f32[${shape.join(', ')}]`;
}

function formatGiven(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** numpy's spelling of a dtype (F64 -> float64), for messages to people who made the file with numpy. */
export function numpyDtypeName(dtype: string): string {
  const names: Record<string, string> = {
    F64: 'float64',
    F32: 'float32',
    F16: 'float16',
    BF16: 'bfloat16',
    I64: 'int64',
    I32: 'int32',
    I16: 'int16',
    I8: 'int8',
    U8: 'uint8',
    BOOL: 'bool',
  };
  return Object.hasOwn(names, dtype) ? names[dtype]! : dtype;
}

/** A problem line when an input's dtype is not the declared float32; undefined when it is. */
export function checkInputDtype(name: string, dtype: string): string | undefined {
  if (dtype === 'F32') return undefined;
  return `input \`${name}\` holds ${numpyDtypeName(dtype)}, the model takes float32: convert it with \`x.astype(np.float32)\``;
}

/** Given shapes by input name; a record is read by its own properties only (a port may be named `__proto__` or `toString`). */
export type GivenShapes = ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[] | undefined>>;

function shapeGiven(given: GivenShapes, name: string): readonly number[] | undefined {
  if (given instanceof Map) return (given as ReadonlyMap<string, readonly number[]>).get(name);
  const record = given as Readonly<Record<string, readonly number[] | undefined>>;
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/**
 * Checks each given shape against its declared one: same rank, fixed
 * dimensions equal, and every 'N' the same value across all inputs (the
 * first input with an 'N' binds it, or `batch` when given). Inputs missing
 * from `given` are not checked.
 */
export function checkInputShapes(declared: readonly DeclaredInput[], given: GivenShapes, batch?: number): InputShapeCheck {
  const problems: string[] = [];
  let n = batch;
  let boundBy = batch === undefined ? undefined : 'the batch option';
  for (const port of declared) {
    const shape = shapeGiven(given, port.name);
    if (!shape) continue;
    const want = formatDeclared(port.shape);
    const fix = `reshape it with \`x.reshape(${port.shape.map((d) => (d === 'N' ? -1 : d)).join(', ')})\` if the values are in that order`;
    if (shape.length !== port.shape.length) {
      problems.push(`input \`${port.name}\` has shape ${formatGiven(shape)} (rank ${shape.length}), the model declares ${want} (rank ${port.shape.length}); ${fix}`);
      continue;
    }
    const wrong = port.shape.findIndex((d, i) => d !== 'N' && d !== shape[i]);
    if (wrong >= 0) {
      problems.push(`input \`${port.name}\` has shape ${formatGiven(shape)}, the model declares ${want} (axis ${wrong} is ${shape[wrong]}, not ${port.shape[wrong]}); ${fix}`);
      continue;
    }
    for (let i = 0; i < port.shape.length; i++) {
      if (port.shape[i] !== 'N') continue;
      const d = shape[i]!;
      if (n === undefined) {
        n = d;
        boundBy = `input \`${port.name}\``;
      } else if (d !== n) {
        problems.push(`input \`${port.name}\` has shape ${formatGiven(shape)}, the model declares ${want}: its N is ${d}, but ${boundBy} made N ${n}; every input must have the same batch size`);
      }
    }
  }
  return { batch: n, problems };
}
