// Input tensor types: `f32[N, 1, 28, 28]`. Only f32 runs today, and the
// batch dimension N is the only symbolic one, always first, so a bundle's
// buffer sizes are known functions of N.
import type { InputStmt, TensorType } from '../../grammar/ast.ts';
import { suggest } from '../registry/index.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

const SUPPORTED_DTYPES = ['f32'];
/** Element types the language knows of, though only f32 compiles yet. */
const KNOWN_DTYPES = ['f32', 'f16', 'bf16', 'f64', 'i32', 'i64', 'u32', 'u8', 'bool'];

export const BATCH_DIM = 'N';

export function checkInputType(stmt: InputStmt, inModel: boolean, sink: DiagnosticSink): void {
  if (stmt.type === undefined) {
    if (inModel && stmt.name.name !== '') {
      sink.report({
        code: 'E0206',
        message: `model input \`${stmt.name.name}\` needs a type`,
        span: stmt.name.span,
        label: 'no type given',
        help: `give its type with the batch dimension first: \`input ${stmt.name.name}: f32[N, 3, 32, 32]\``,
        notes: ['only inputs of blocks may leave out the type: they take whatever flows in'],
      });
    }
    return;
  }
  checkTensorType(stmt.type, inModel, sink);
}

function checkTensorType(type: TensorType, inModel: boolean, sink: DiagnosticSink): void {
  const dtype = type.dtype.name;
  if (dtype !== '' && !SUPPORTED_DTYPES.includes(dtype)) {
    if (KNOWN_DTYPES.includes(dtype)) {
      sink.report({
        code: 'E0313',
        message: `only \`f32\` tensors are supported for now, not \`${dtype}\``,
        span: type.dtype.span,
        label: 'unsupported element type',
        help: 'declare the input as `f32` and convert the data before it reaches the model',
      });
    } else {
      const close = suggest(dtype, KNOWN_DTYPES);
      sink.report({
        code: 'E0313',
        message: `unknown element type \`${dtype}\``,
        span: type.dtype.span,
        label: 'not an element type',
        help: close.length > 0 ? `there is an element type with a similar name: \`${close[0]}\`` : 'write `f32`',
      });
    }
  }

  type.dims.forEach((dim, index) => {
    if (dim.kind === 'DimNumber') {
      if (!Number.isInteger(dim.value) || dim.value < 1) {
        sink.report({
          code: 'E0314',
          message: `a dimension must be a whole number of at least 1, got ${dim.value}`,
          span: dim.span,
          label: 'invalid size',
        });
      } else if (index === 0 && inModel) {
        sink.report({
          code: 'E0314',
          message: 'the first dimension of a model input must be `N`, the batch dimension',
          span: dim.span,
          label: 'expected `N`',
          help: `write \`f32[${batchFirst(type.dims).join(', ')}]\`; the batch size is chosen when the model runs`,
        });
      }
      return;
    }
    if (dim.name === '') return;
    if (dim.name !== BATCH_DIM) {
      sink.report({
        code: 'E0314',
        message: `unknown dimension \`${dim.name}\`: only \`${BATCH_DIM}\`, the batch dimension, may be symbolic`,
        span: dim.span,
        label: 'write a number here',
        ...(dim.name.toUpperCase() === BATCH_DIM ? { help: `the batch dimension is written \`${BATCH_DIM}\`` } : {}),
      });
    } else if (index > 0) {
      sink.report({
        code: 'E0314',
        message: `\`${BATCH_DIM}\`, the batch dimension, may only be the first dimension`,
        span: dim.span,
        label: `\`${BATCH_DIM}\` in position ${index + 1}`,
      });
    }
  });
}

function dimText(dim: TensorType['dims'][number]): string {
  return dim.kind === 'DimNumber' ? String(dim.value) : dim.name;
}

/** The dims as they were probably meant: an `N` written later moves first, else `N` replaces a fixed batch size. */
function batchFirst(dims: TensorType['dims']): string[] {
  const isBatch = (d: TensorType['dims'][number]) => d.kind === 'DimSymbol' && d.name === BATCH_DIM;
  const rest = dims.some(isBatch) ? dims.filter((d) => !isBatch(d)) : dims.slice(1);
  return [BATCH_DIM, ...rest.map(dimText)];
}
