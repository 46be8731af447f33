import type { CommandOptions } from './args.js';
import { runApply } from './commands/apply.js';
import { runDrift, runLs, runShow, runValidate } from './commands/inspect.js';
import { runDoctor } from './commands/doctor.js';
import { runPlan } from './commands/plan.js';
import { runExec, runSandbox, runTest } from './commands/lab-tests.js';
import type { Io } from './io.js';

export function dispatch(o: CommandOptions, io: Io): Promise<number> {
  switch (o.command) {
    case 'validate':
      return runValidate(o, io);
    case 'plan':
      return runPlan(o, io);
    case 'apply':
    case 'destroy':
      return runApply(o, io);
    case 'show':
      return runShow(o, io);
    case 'drift':
      return runDrift(o, io);
    case 'ls':
      return runLs(o, io);
    case 'doctor':
      return runDoctor(o, io);
    case 'test':
      return runTest(o, io);
    case 'exec':
      return runExec(o, io);
    case 'sandbox':
      return runSandbox(o, io);
    case 'help':
    case 'version':
      return Promise.resolve(0);
  }
}
