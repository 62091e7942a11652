import { ByteInterner } from './byte-interner';

describe('ByteInterner', () => {
  const bytes = (text: string) => Buffer.from(`..${text}..`, 'utf8');
  const made: string[] = [];
  const maker = (text: string) => () => {
    made.push(text);
    return { text };
  };

  beforeEach(() => {
    made.length = 0;
  });

  it('makes a value once per distinct bytes and hands the same object back for them, wherever they sit', () => {
    const interner = new ByteInterner<{ text: string }>(10);
    const a = interner.get(bytes('a'), 2, 3, maker('a'));
    expect(interner.get(Buffer.from('xa'), 1, 2, maker('a again'))).toBe(a);
    const b = interner.get(bytes('b'), 2, 3, maker('b'));
    expect(b).not.toBe(a);
    // Bytes, not text: these two differ in bytes although latin1 and UTF-8 read them alike up to 0x7f.
    const e1 = interner.get(Buffer.from([0xc3, 0xa9]), 0, 2, maker('é'));
    const e2 = interner.get(Buffer.from([0xe9]), 0, 1, maker('latin1 é'));
    expect(e2).not.toBe(e1);
    expect(made).toEqual(['a', 'b', 'é', 'latin1 é']);
  });

  it('keeps what is used across generations and forgets what is not, holding at most twice its capacity', () => {
    const interner = new ByteInterner<{ text: string }>(2);
    const a = interner.get(bytes('a'), 2, 3, maker('a'));
    interner.get(bytes('b'), 2, 3, maker('b'));
    // 'c' starts a new generation; 'a' and 'b' are in the older one.
    interner.get(bytes('c'), 2, 3, maker('c'));
    expect(interner.get(bytes('a'), 2, 3, maker('a again'))).toBe(a); // moved into the newer
    // 'd' starts another: the one holding only 'b' is dropped.
    interner.get(bytes('d'), 2, 3, maker('d'));
    expect(interner.get(bytes('a'), 2, 3, maker('a again'))).toBe(a);
    interner.get(bytes('b'), 2, 3, maker('b again'));
    expect(made).toEqual(['a', 'b', 'c', 'd', 'b again']);
    for (const t of 'efghijk') interner.get(bytes(t), 2, 3, maker(t));
    expect(interner.size).toBeLessThanOrEqual(4);
  });

  it('turns lookups off when a generation fills with fewer hits than asked, for 4 x capacity lookups, then starts afresh', () => {
    const interner = new ByteInterner<{ text: string }>(10, 0.5);
    const key = (n: number) => Buffer.from(`s${n}`);
    const look = (n: number) => interner.get(key(n), 0, key(n).length, maker(`s${n}`));
    // A working set of 100 distinct series, each met once per pass: far more than 2 x 10.
    let n = 0;
    while (interner.interning()) look(n++ % 100);
    // The first generation fills from nothing and is not judged; the second, with no hits, is.
    expect(n).toBe(21);
    expect(interner.size).toBe(1);
    // The loop's last call was the first of the 40 skipped lookups.
    for (let i = 0; i < 39; i++) expect(interner.interning()).toBe(false);
    expect(interner.interning()).toBe(true);
  });

  it('stays on for a working set that fits one generation, met in the same order again and again (a scrape), however many lookups', () => {
    const interner = new ByteInterner<{ text: string }>(10);
    for (let i = 0; i < 10_000; i++) {
      expect(interner.interning()).toBe(true);
      const b = Buffer.from(`s${i % 10}`);
      interner.get(b, 0, b.length, maker(`s${i % 10}`));
    }
    expect(made.length).toBe(10);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new ByteInterner(0)).toThrow(RangeError);
  });
});
