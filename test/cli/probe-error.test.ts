import { describe, expect, it } from 'vitest';
import { probeError } from '../../src/cli/commands/apply.js';

describe("apply's preflight errors", () => {
  it('names the link kinds the kernel cannot make first, with the module to load', () => {
    const e = probeError([
      { kind: 'veth', error: 'Error: Unknown device type.' },
      { kind: 'nsid', error: 'x' },
    ]);
    expect(e.message).toBe('this kernel cannot create veth links (Error: Unknown device type.); nothing was changed');
    expect(e.hint).toMatch(/modprobe veth/);
  });

  it('says when ip cannot give a namespace a host nsid, and which iproute2 can', () => {
    const e = probeError([{ kind: 'nsid', error: 'Invalid "netnsid" value' }]);
    expect(e.message).toBe('ip cannot give a new namespace an id in the host (ip netns set NAME auto: Invalid "netnsid" value); nothing was changed');
    expect(e.hint).toMatch(/NETNSID := auto \| POSITIVE-INT/);
  });
});
