import type { CommandOptions } from './args.js';
import type { Io } from './io.js';

/**
 * Each command loads only its own module graph: loading every command's (lab tests, sandboxes,
 * show and ls tables...) cost 65-78 ms per run, a fifth of a no-op plan of 200 namespaces.
 */
export async function dispatch(o: CommandOptions, io: Io): Promise<number> {
  switch (o.command) {
    case 'validate':
      return (await import('./commands/inspect.js')).runValidate(o, io);
    case 'plan':
      return (await import('./commands/plan.js')).runPlan(o, io);
    case 'apply':
    case 'destroy':
      return (await import('./commands/apply.js')).runApply(o, io);
    case 'show':
      return (await import('./commands/inspect.js')).runShow(o, io);
    case 'drift':
      return (await import('./commands/inspect.js')).runDrift(o, io);
    case 'ls':
      return (await import('./commands/inspect.js')).runLs(o, io);
    case 'doctor':
      return (await import('./commands/doctor.js')).runDoctor(o, io);
    case 'test':
      return (await import('./commands/lab-tests.js')).runTest(o, io);
    case 'exec':
      return (await import('./commands/lab-tests.js')).runExec(o, io);
    case 'sandbox':
      return (await import('./commands/lab-tests.js')).runSandbox(o, io);
    case 'help':
    case 'version':
      return 0;
  }
}
