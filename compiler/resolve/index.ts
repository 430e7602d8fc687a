// The checker's public face: names, arguments, structure and the train
// section of a parsed file, plus each model's parameter names.
export { checkProgram, type CheckResult } from './check-program.ts';
export type { ModelSummary, ParameterSummary } from './model-summary.ts';
export { compileGlob, type CompiledGlob } from './glob.ts';
export { resolveDiagnosticCodes } from './diagnostic-codes.ts';
