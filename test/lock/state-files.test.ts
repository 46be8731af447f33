import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownKinds, rememberKinds } from '../../src/lock/kinds-cache.js';
import { clearRecord, inodeOf, othersRecorded, readRecord, writeRecord } from '../../src/lock/netns-record.js';
import { scratchDir } from '../support/scratch.js';

const scratch = () => scratchDir('topo-state-test-');

describe('kinds cache', () => {
  it('remembers kinds for this boot only', () => {
    const f = join(scratch(), 'kinds');
    expect(knownKinds(f)).toEqual(new Set());
    rememberKinds(['veth'], f);
    rememberKinds(['bridge'], f);
    expect(knownKinds(f)).toEqual(new Set(['bridge', 'veth']));
    // Another boot's list means nothing now.
    writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), boot: 'another-boot' }));
    expect(knownKinds(f)).toEqual(new Set());
  });
});

describe('namespace records', () => {
  it("takes an identity's inode, what a namespace's holders are found by", () => {
    expect(inodeOf('4026532281:1796011344047671000')).toBe(4026532281);
  });

  it('keeps each lab its own record, and tells a lab the identities others recorded', () => {
    const dir = scratch();
    writeRecord('a', new Map([['n1', '10:1'], ['n0', '11:2']]), dir);
    writeRecord('b', new Map([['m0', '12:3']]), dir);
    expect(readRecord('a', dir)).toEqual(new Map([['n0', '11:2'], ['n1', '10:1']]));
    expect(othersRecorded('a', dir)).toEqual(new Set(['12:3']));
    expect(othersRecorded('b', dir)).toEqual(new Set(['10:1', '11:2']));
    clearRecord('a', dir);
    expect(readRecord('a', dir)).toEqual(new Map());
    writeRecord('b', new Map(), dir); // nothing left to record: no record
    expect(othersRecorded('a', dir)).toEqual(new Set());
  });

  it('treats an unreadable record as none', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'a.netns'), '{not json');
    expect(readRecord('a', dir)).toEqual(new Map());
  });
});
