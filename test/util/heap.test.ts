import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Heap } from '../../src/util/heap.js';

describe('Heap', () => {
  it('pops in the comparator\'s order, whatever the pushes and pops in between', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constant(null))), (script) => {
        const h = new Heap<number>((a, b) => a < b);
        const model: number[] = [];
        for (const x of script) {
          if (x === null) {
            model.sort((a, b) => a - b);
            expect(h.pop()).toBe(model.shift());
          } else {
            h.push(x);
            model.push(x);
          }
          expect(h.size).toBe(model.length);
        }
      }),
    );
  });
});
