/**
 * The only vocabulary the driver understands: one `ip` command, run inside one namespace's
 * `ip -n NS -batch -` (or the host's `ip -batch -`). A plan compiles to these, so a plan's
 * effect is exactly the list of commands `topo apply --verbose` prints.
 */
export interface Op {
  /** Where it runs: a netns name, or HOST. */
  readonly ns: string;
  /** `ip` arguments, without `ip` and its global options. Every word is validated before use. */
  readonly args: readonly string[];
}
