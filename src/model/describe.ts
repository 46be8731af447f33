import { displayTo, type Resource } from './resources.js';

/** A human label for a step's resource, e.g. `route ns0 default via 10.0.0.254`. */
export function describe(r: Resource): string {
  switch (r.kind) {
    case 'netns':
      return `netns ${r.name}`;
    case 'bridge':
      return `bridge ${r.ns}:${r.name}`;
    case 'veth':
      // `?` names an end destroy did not read: it knows the namespace, not the name.
      return `veth ${end(r.a)} <-> ${end(r.b)}`;
    case 'address':
      return `address ${r.cidr} on ${r.ns}:${r.ifname}`;
    case 'route':
      return `route ${r.ns} ${displayTo(r.to)}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`;
    case 'sysctl':
      return `sysctl ${r.ns} ${r.key} = ${r.value}`;
  }
}

function end(e: { ns: string; name: string }): string {
  if (e.ns === '?') return '(unknown peer)';
  return e.name === '?' ? `an end in ${e.ns}` : `${e.ns}:${e.name}`;
}
