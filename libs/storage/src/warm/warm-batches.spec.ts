import fc from 'fast-check';
import { BATCH_WRITE_ITEMS, warmBatches } from './warm-batches';

describe('warmBatches', () => {
  it('keeps every item, in order, in full batches but the last', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 200 }), (items) => {
        const batches = warmBatches(items);
        expect(batches.flat()).toEqual(items);
        expect(batches).toHaveLength(Math.ceil(items.length / BATCH_WRITE_ITEMS));
        for (const batch of batches.slice(0, -1)) expect(batch).toHaveLength(BATCH_WRITE_ITEMS);
        if (batches.length > 0) expect(batches[batches.length - 1].length).toBeGreaterThan(0);
      }),
    );
  });
});
