/** Turns `ip`'s stderr into plain words, with a hint where we know one. */
export function explainIpError(stderr: string): { message: string; hint?: string } {
  const s = stderr.replace(/Command failed -:\d+\s*/g, '').trim();
  const rules: [RegExp, string, (string | undefined)?][] = [
    [/Operation not permitted/, 'the kernel refused: topo lacks root or CAP_NET_ADMIN', 'run it with sudo'],
    [/File exists|already assigned/, 'an object with that name already exists', 'run `topo plan` to see who owns it'],
    [/Cannot find device|does not exist/, 'the interface does not exist (it may have been removed meanwhile)', 'run `topo apply` again: the plan is recomputed from the kernel'],
    [/Cannot open network namespace|Invalid "netns" value/, 'the namespace does not exist (it may have been removed meanwhile)', 'run `topo apply` again'],
    [/Unknown device type/, 'the kernel lacks this kind of link (a module is missing)', 'load the module, or run on a kernel that has it'],
    [/Nexthop has invalid gateway|Network is unreachable/, 'the gateway is not reachable through any interface that is up', 'check the route\'s via and the link state'],
    [/mtu greater than device maximum|mtu less than device minimum/, 'the MTU is outside what the device accepts', undefined],
    [/Cannot assign requested address/, 'the kernel refused the address', undefined],
    [/No such process/, 'the route does not exist', undefined],
    [/Device or resource busy/, 'the object is busy', 'a process may be using it; try again'],
    [/sysctl: cannot stat/, 'this kernel has no such sysctl', 'check the key\'s spelling; for interface keys, the interface must exist in that node'],
  ];
  for (const [re, message, hint] of rules) {
    if (re.test(s)) return hint ? { message: `${message} (${firstLine(s)})`, hint } : { message: `${message} (${firstLine(s)})` };
  }
  return { message: firstLine(s) || 'ip failed without a message' };
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}
