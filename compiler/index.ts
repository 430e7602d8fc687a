// The compiler's public API (`import ... from 'regc'`): compile a spec's text,
// check it, render its diagnostics, and write the bundle as the CLI does.
export {
  analyseSource,
  compileSource,
  COMPILER_NAME,
  InternalCompilerError,
  ModelChoiceError,
  type CompileOptions,
  type CompileResult,
} from './compile.ts';
export { bundleFiles, type BundleFiles } from './bundle/bundle-files.ts';
export { esmModule } from './bundle/esm-module.ts';
export {
  OutputPathError,
  planFolderOutput,
  planModuleOutput,
  writeFolderOutput,
  writeModuleOutput,
  type FolderPlan,
  type ModulePlan,
} from './bundle/output-path.ts';
export { hasErrors, type Diagnostic, type Label, type Severity } from '../diagnostics/diagnostic.ts';
export { renderDiagnostic, renderDiagnostics, renderDiagnosticsJson, renderSummary } from '../diagnostics/render.ts';
export { SourceFile } from '../grammar/source.ts';

// The train bundle of a compiled spec (docs/training.md).
export { trainBundle, type TrainBundleOptions } from './train/compile-train.ts';
