// The bench page for regc: the harness and the runtime in one module.
import { regcSystem } from '../../systems/regc.ts';
import { runBenchPage } from '../browser-page.ts';

runBenchPage(regcSystem);
