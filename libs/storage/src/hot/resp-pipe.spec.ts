import * as net from 'node:net';
import { RespEncoder, RespPipe, RespReplyError, RespReplyReader, type RespReply } from './resp-pipe';

/** Every reply in `bytes`, fed to a reader in pieces of `step` bytes. */
function readAll(bytes: Buffer, step: number): RespReply[] {
  const reader = new RespReplyReader();
  const replies: RespReply[] = [];
  for (let at = 0; at < bytes.length; at += step) {
    reader.push(bytes.subarray(at, at + step));
    for (let r = reader.next(); r !== undefined; r = reader.next()) replies.push(r);
  }
  return replies;
}

describe('RespEncoder', () => {
  it('writes commands as arrays of bulk strings, bytes and numbers included', () => {
    const encoder = new RespEncoder(8); // grows as it goes
    encoder.command('hset', ['s:{ab}:o:0', '60000', Buffer.from([0, 0xff, 0x0d, 0x0a])]);
    encoder.command('zadd', ['due', 1.5, 'é']);
    const { bytes, count } = encoder.take();
    expect(count).toBe(2);
    expect(bytes.equals(Buffer.concat([
      Buffer.from('*4\r\n$4\r\nhset\r\n$10\r\ns:{ab}:o:0\r\n$5\r\n60000\r\n$4\r\n'),
      Buffer.from([0, 0xff, 0x0d, 0x0a]),
      Buffer.from('\r\n*4\r\n$4\r\nzadd\r\n$3\r\ndue\r\n$3\r\n1.5\r\n$2\r\né\r\n'),
    ]))).toBe(true);
    // take() starts over, and what it gave is the caller's.
    encoder.command('ping', []);
    expect(encoder.take()).toEqual({ bytes: Buffer.from('*1\r\n$4\r\nping\r\n'), count: 1 });
    expect(bytes.subarray(0, 4).toString()).toBe('*4\r\n');
  });

  it('writes an empty argument and a 10,000-byte one', () => {
    const encoder = new RespEncoder(16);
    encoder.command('set', ['', Buffer.alloc(10_000, 7)]);
    const { bytes } = encoder.take();
    expect(bytes.subarray(0, 27).toString('latin1')).toBe('*3\r\n$3\r\nset\r\n$0\r\n\r\n$10000\r\n');
    expect(bytes.length).toBe(27 + 10_000 + 2);
  });

  it('writes numbers and strings exactly as their text in UTF-8, on every path (digits, ASCII byte by byte, UTF-8)', () => {
    const args = [
      0, 7, 9, 10, 99, 100, 1_000, 2 ** 31 - 1, 2 ** 31, 1_796_653_800_000, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, -1, -0, 1.5, 1e21, Number.NaN,
      'abc', 'é', 'x'.repeat(64), 'x'.repeat(65), `${'x'.repeat(63)}é`, 'ü'.repeat(70), '',
    ];
    const encoder = new RespEncoder(16);
    encoder.command('set', args);
    const text = (a: string | number) => (typeof a === 'number' ? String(a) : a);
    const expected = `*${args.length + 1}\r\n$3\r\nset\r\n` + args.map((a) => `$${Buffer.byteLength(text(a))}\r\n${text(a)}\r\n`).join('');
    expect(encoder.take().bytes.toString('utf8')).toBe(expected);
  });
});

describe('RespReplyReader', () => {
  const stream = Buffer.from(
    ':1\r\n:-42\r\n+OK\r\n-ERR wrong type\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n*1\r\n:7\r\n*0\r\n*-1\r\n:1234567890123\r\n',
  );
  const expected = [1, -42, 'OK', 'ERR wrong type', 'hello', null, ['a', [7]], [], null, 1234567890123];

  it.each([1, 2, 3, 7, stream.length])('reads every reply type, fed %i bytes at a time', (step) => {
    const replies = readAll(stream, step);
    expect(replies.map((r) => (r instanceof RespReplyError ? r.reply : r))).toEqual(expected);
    expect(replies[3]).toBeInstanceOf(RespReplyError);
  });

  it('refuses bytes that are not RESP and numbers that are not numbers', () => {
    const reader = new RespReplyReader();
    reader.push(Buffer.from('!oops\r\n'));
    expect(() => reader.next()).toThrow(/not RESP/);
    const other = new RespReplyReader();
    other.push(Buffer.from(':12x\r\n'));
    expect(() => other.next()).toThrow(/malformed number/);
  });
});

/** A fake Redis on loopback that answers every command with `answer` (or hangs up). */
async function fakeRedis(answer: (command: string) => string | 'hang-up'): Promise<{ port: number; commands: string[]; close: () => Promise<void> }> {
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      // Commands are arrays of bulk strings: count them by their headers.
      for (;;) {
        const match = /^\*(\d+)\r\n/.exec(pending);
        if (!match) return;
        let at = match[0].length;
        const parts: string[] = [];
        for (let i = 0; i < Number(match[1]); i++) {
          const head = /^\$(\d+)\r\n/.exec(pending.slice(at));
          if (!head) return;
          const n = Number(head[1]);
          if (pending.length < at + head[0].length + n + 2) return;
          parts.push(pending.slice(at + head[0].length, at + head[0].length + n));
          at += head[0].length + n + 2;
        }
        pending = pending.slice(at);
        const command = parts.join(' ');
        commands.push(command);
        const reply = answer(command);
        if (reply === 'hang-up') {
          socket.destroy();
          return;
        }
        socket.write(reply);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    commands,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('RespPipe', () => {
  it('authenticates, selects and loads scripts before the first pipeline, and calls scripts by SHA-1', async () => {
    const fake = await fakeRedis((c) => (c.startsWith('script load') ? '$40\r\n' + 'a'.repeat(40) + '\r\n' : c.startsWith('hset') ? ':1\r\n' : '+OK\r\n'));
    const pipe = new RespPipe({ host: '127.0.0.1', port: fake.port, username: 'u', password: 'p', db: 2, scripts: { strataThing: { lua: 'return 1', numberOfKeys: 1 } } });
    try {
      const encoder = new RespEncoder();
      pipe.encode(encoder, ['hset', 'k', 'f', 'v']);
      pipe.encode(encoder, ['strataThing', 'key', 'arg']);
      const { bytes, count } = encoder.take();
      expect(await pipe.exec(bytes, count)).toEqual([1, 'OK']);
      // sha1('return 1')
      expect(fake.commands).toEqual(['auth u p', 'select 2', 'script load return 1', 'hset k f v', 'evalsha e0e1f9fabfc9d4800c877a703b823ac0578ff8db 1 key arg']);
    } finally {
      pipe.close();
      await fake.close();
    }
  });

  it('fails a pipeline with an error reply after every reply arrived, and keeps the connection', async () => {
    const fake = await fakeRedis((c) => (c === 'bad' ? '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n' : ':1\r\n'));
    const pipe = new RespPipe({ host: '127.0.0.1', port: fake.port });
    try {
      const encoder = new RespEncoder();
      for (const name of ['good', 'bad', 'good']) encoder.command(name, []);
      const first = encoder.take();
      await expect(pipe.exec(first.bytes, first.count)).rejects.toThrow(/redis rejected a write: WRONGTYPE/);
      encoder.command('good', []);
      const second = encoder.take();
      expect(await pipe.exec(second.bytes, second.count)).toEqual([1]);
      expect(fake.commands).toEqual(['good', 'bad', 'good', 'good']);
    } finally {
      pipe.close();
      await fake.close();
    }
  });

  it('fails the pipelines waiting on a lost connection (retriable), and reconnects for the next', async () => {
    let hangUps = 1;
    const fake = await fakeRedis((c) => (c === 'drop' && hangUps-- > 0 ? 'hang-up' : ':1\r\n'));
    const pipe = new RespPipe({ host: '127.0.0.1', port: fake.port });
    try {
      const encoder = new RespEncoder();
      encoder.command('drop', []);
      const lost = encoder.take();
      const failure = await pipe.exec(lost.bytes, lost.count).catch((e: unknown) => e);
      expect(failure).toMatchObject({ retriable: true, message: expect.stringMatching(/connection failed/) });
      encoder.command('drop', []);
      const again = encoder.take();
      expect(await pipe.exec(again.bytes, again.count)).toEqual([1]);
    } finally {
      pipe.close();
      await fake.close();
    }
  });

  it('drops the connection on NOSCRIPT, so the next one loads the scripts again', async () => {
    let noscript = 1;
    const fake = await fakeRedis((c) => (c.startsWith('evalsha') && noscript-- > 0 ? '-NOSCRIPT No matching script.\r\n' : c.startsWith('script') ? '$1\r\nx\r\n' : ':1\r\n'));
    const pipe = new RespPipe({ host: '127.0.0.1', port: fake.port, scripts: { s: { lua: 'return 2' } } });
    try {
      const encoder = new RespEncoder();
      const call = () => {
        pipe.encode(encoder, ['s', '0']);
        const { bytes, count } = encoder.take();
        return pipe.exec(bytes, count);
      };
      await expect(call()).rejects.toThrow(/NOSCRIPT/);
      expect(await call()).toEqual([1]);
      expect(fake.commands.filter((c) => c.startsWith('script load'))).toHaveLength(2);
    } finally {
      pipe.close();
      await fake.close();
    }
  });

  it('fails with a retriable error when nothing listens, and refuses work once closed', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const pipe = new RespPipe({ host: '127.0.0.1', port, connectTimeoutMs: 500 });
    const encoder = new RespEncoder();
    encoder.command('ping', []);
    const { bytes, count } = encoder.take();
    await expect(pipe.exec(bytes, count)).rejects.toMatchObject({ retriable: true, message: expect.stringMatching(/could not connect/) });
    pipe.close();
    await expect(pipe.exec(bytes, count)).rejects.toThrow(/closed/);
  });
});
