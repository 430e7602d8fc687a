// The front of the pipeline as `regc check` runs it: parse, check names and
// arguments, then lower each model without such errors to the IR for its
// shapes and sizes (no weight is allocated), up to 100 errors a file.
export { analyseSource as analyse } from '../compiler/compile.ts';
