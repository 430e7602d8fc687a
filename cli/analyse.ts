// The front of the pipeline as `regc check` runs it: parse, check names and
// arguments, then lower every model to the IR for its shapes.
export { analyseSource as analyse } from '../compiler/compile.ts';
