// The per-epoch values of a monitored quantity, from the file `--metric`
// names: a 1-d .npy of float64 or float32 (read exactly), a JSON array, or
// plain text with the numbers separated by whitespace or commas (what
// np.savetxt writes). NaN and infinities are values too: in JSON as the
// strings "nan", "inf" and "-inf", in text as numpy writes them.
import { readFile, stat } from 'node:fs/promises';
import { readNpyFloat64 } from '../runtime/io/npy.ts';
import { TensorFileError } from '../runtime/io/tensor-file-error.ts';
import { describeFsError } from './read-source.ts';

/** Far more epochs than any run has; bounds what a stray file makes us read. */
export const MAX_METRIC_FILE_BYTES = 64 * 1024 * 1024;

export class MetricFileError extends Error {}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const WORDS: Readonly<Record<string, number>> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity };

export async function readMetricValues(path: string): Promise<number[]> {
  const fail = (reason: string): never => {
    throw new MetricFileError(`cannot read the metric file \`${path}\`: ${reason}`);
  };
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (info.isDirectory()) fail('it is a directory');
    if (!info.isFile()) fail('it is not a regular file');
    if (info.size > MAX_METRIC_FILE_BYTES) fail(`it is ${info.size} bytes, more than the ${MAX_METRIC_FILE_BYTES >> 20} MiB a metric file may have`);
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof MetricFileError) throw e;
    return fail(describeFsError(e));
  }
  if (NPY_MAGIC.every((b, i) => bytes[i] === b)) return npyValues(bytes, fail);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('it is neither a .npy file nor UTF-8 text');
  }
  const trimmed = text.trim();
  return trimmed.startsWith('[') ? jsonValues(trimmed, fail) : textValues(trimmed, fail);
}

function npyValues(bytes: Uint8Array, fail: (reason: string) => never): number[] {
  try {
    const { shape, data } = readNpyFloat64(bytes);
    if (shape.length !== 1) fail(`the array has shape (${shape.join(', ')}); give one value per epoch, a 1-d array`);
    return [...data];
  } catch (e) {
    if (e instanceof TensorFileError) fail(e.message);
    throw e;
  }
}

function jsonValues(text: string, fail: (reason: string) => never): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`it starts with \`[\` but is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed)) fail('expected a JSON array of numbers');
  return (parsed as unknown[]).map((v, i) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && Object.hasOwn(WORDS, v.toLowerCase())) return WORDS[v.toLowerCase()]!;
    return fail(`entry ${i} is ${JSON.stringify(v)}; expected a number, or "nan", "inf" or "-inf"`);
  });
}

function textValues(text: string, fail: (reason: string) => never): number[] {
  if (text === '') return [];
  return text.split(/[\s,]+/).map((token, i) => {
    if (Object.hasOwn(WORDS, token.toLowerCase())) return WORDS[token.toLowerCase()]!;
    const n = Number(token);
    if (token === '' || !Number.isFinite(n)) fail(`value ${i + 1} is \`${token.slice(0, 40)}\`, not a number`);
    return n;
  });
}
