import { HOST } from '../model/resources.js';
import { labOfMark } from './marker.js';
import type { KernelSnapshot } from './snapshot.js';

export interface LabCount {
  readonly lab: string;
  readonly namespaces: number;
  readonly links: number;
}

/** Every lab that has marked objects on this machine, found by the marks alone. Sorted by name. */
export function listLabs(snap: KernelSnapshot): LabCount[] {
  const counts = new Map<string, { namespaces: number; links: number }>();
  const bump = (lab: string, k: 'namespaces' | 'links') => {
    const c = counts.get(lab) ?? { namespaces: 0, links: 0 };
    c[k]++;
    counts.set(lab, c);
  };
  for (const s of snap.namespaces) {
    for (const l of s.links) {
      const lab = labOfMark(l.ifalias);
      if (!lab) continue;
      if (l.ifname === 'lo') {
        if (s.ns !== HOST) bump(lab, 'namespaces');
      } else bump(lab, 'links');
    }
  }
  return [...counts].map(([lab, c]) => ({ lab, ...c })).sort((a, b) => (a.lab < b.lab ? -1 : 1));
}
