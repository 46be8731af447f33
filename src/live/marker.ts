/**
 * The ownership mark. It lives in the kernel as the ifalias of every link topo creates and of the
 * `lo` of every namespace it creates, so no state file is needed and nothing without the mark is
 * ever modified or deleted. `ip link add ... alias` is silently ignored (kernel-facts), so the
 * compiler always sets it with a separate `link set`.
 */
export function marker(lab: string): string {
  return `topo:${lab}`;
}

/** The lab a mark names, or undefined when the alias is not a topo mark. */
export function labOfMark(alias: string | null | undefined): string | undefined {
  if (!alias || !alias.startsWith('topo:')) return undefined;
  return alias.slice('topo:'.length);
}
