import type { Driver } from '../driver/driver.js';
import type { KernelSnapshot } from '../live/snapshot.js';
import type { Style } from '../render/style.js';

/** What a command needs from the outside world; main.ts wires the real ones. */
export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly style: Style;
  readonly errStyle: Style;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly driver: () => Driver;
  /** A kernel read started before the lab file was loaded (plan, drift), without sysctls. */
  readonly earlyRead?: Promise<KernelSnapshot>;
  /** True once the user pressed Ctrl-C. */
  readonly interrupted: () => boolean;
}
