import { MemoryObjectStore } from '@strata/storage/testing';
import { KillAfterPuts } from './fault-injection';

describe('KillAfterPuts', () => {
  it('kills right after the Nth PUT succeeded, not before, and passes reads through', async () => {
    const inner = new MemoryObjectStore();
    let killed = 0;
    const store = new KillAfterPuts(inner, 2, () => killed++);
    await store.put('a', Uint8Array.of(1));
    expect(killed).toBe(0);
    await store.put('b', Uint8Array.of(2));
    expect(killed).toBe(1);
    expect(inner.objects.has('b')).toBe(true);
    expect(await store.get('a')).toEqual(Uint8Array.of(1));
    expect((await store.list('')).keys).toEqual(['a', 'b']);
  });
});
