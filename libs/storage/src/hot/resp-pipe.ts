import { createHash } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { SHORT_ASCII_CHARS, writeShortAscii } from '@strata/runtime';
import { StorageError } from '../errors';

/**
 * The writer's append path to a single Redis node, written as RESP bytes: one buffer per
 * pipeline, replies counted off the socket. ioredis builds a command object, a promise, an
 * argument array and a string or buffer list per command, then parses every reply into an
 * object for a pipeline that wants one number back; for the projector's one HSET per series
 * and window that was a sixth of the writer's CPU and much of its garbage. Everything else
 * (seals, leases, reads, a Cluster) stays on ioredis.
 *
 * The connection opens on first use and again after any failure: a lost connection fails the
 * pipelines waiting on it (retriable), and the next one reconnects. Scripts are loaded when
 * the connection opens (SCRIPT LOAD) and called by their SHA-1; a NOSCRIPT reply (the server
 * lost them: a restart, SCRIPT FLUSH) fails the pipeline and drops the connection, so the
 * retry loads them again.
 */

/** A Lua script the pipe may call: `numberOfKeys` as in ioredis's defineCommand, else the key count is the first argument. */
export interface RespScript {
  readonly lua: string;
  readonly numberOfKeys?: number;
}

export interface RespPipeOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string | null;
  readonly password?: string | null;
  readonly db?: number;
  /** TLS options (rediss://); true for the defaults. */
  readonly tls?: tls.ConnectionOptions | boolean;
  /** @default 3000 */
  readonly connectTimeoutMs?: number;
  readonly scripts?: Readonly<Record<string, RespScript>>;
  /** CLIENT SETNAME on connecting: how the connection shows in CLIENT LIST. */
  readonly clientName?: string;
}

/** An error reply of one command of a pipeline. */
export class RespReplyError extends StorageError {
  constructor(readonly reply: string) {
    super(`redis rejected a write: ${reply}`, true);
  }
}

type Arg = string | number | Buffer | Uint8Array;

/** Decimal digits of a non-negative safe integer. */
function decimalDigits(n: number): number {
  let count = 1;
  for (let power = 10; power <= n; power *= 10) count++;
  return count;
}

/** Commands encoded as RESP arrays of bulk strings into one growing buffer. */
export class RespEncoder {
  private buf: Buffer;
  private pos = 0;
  /** Commands encoded since the last take(). */
  count = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes encoded since the last take(). */
  get length(): number {
    return this.pos;
  }

  /** One command: its name and arguments from `args[from]` on, each a bulk string (numbers in decimal). */
  command(name: string, args: readonly Arg[], from = 0): void {
    this.header(args.length - from + 1);
    this.string(name);
    for (let i = from; i < args.length; i++) this.arg(args[i]);
    this.count++;
  }

  /** The start of a command of `items` bulk strings (its name included), for callers that write them one by one. */
  header(items: number): void {
    this.ensure(16);
    this.buf[this.pos++] = 0x2a; // '*'
    this.decimal(items);
  }

  arg(arg: Arg): void {
    if (typeof arg === 'string') this.string(arg);
    else if (typeof arg === 'number') this.number(arg);
    else this.bytes(arg);
  }

  /** A number as a bulk string of its decimal text; a non-negative safe integer (offsets, times) without making the text. */
  number(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && n === Math.floor(n))) {
      this.string(String(n));
      return;
    }
    this.ensure(32);
    const digits = decimalDigits(n);
    this.buf[this.pos++] = 0x24; // '$'
    this.decimal(digits);
    this.digits(n, digits);
    this.crlf();
  }

  /** A non-negative safe integer of `count` decimal digits ({@link decimalDigits}), as its digits. */
  private digits(n: number, count: number): void {
    const buf = this.buf;
    let pos = this.pos + count;
    this.pos = pos;
    do {
      buf[--pos] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  string(s: string): void {
    if (s.length <= SHORT_ASCII_CHARS) {
      // Keys, field names and numbers: written byte by byte when ASCII, as most are.
      this.ensure(s.length + 16);
      const start = this.pos;
      this.buf[this.pos++] = 0x24; // '$'
      this.decimal(s.length);
      const end = writeShortAscii(this.buf, this.pos, s);
      if (end >= 0) {
        this.pos = end;
        this.crlf();
        return;
      }
      this.pos = start;
    }
    const n = Buffer.byteLength(s);
    this.ensure(n + 16);
    this.buf[this.pos++] = 0x24; // '$'
    this.decimal(n);
    // As many bytes as characters: all ASCII (keys, numbers), which latin1 writes faster.
    this.pos += this.buf.write(s, this.pos, n === s.length ? 'latin1' : 'utf8');
    this.crlf();
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length + 16);
    this.buf[this.pos++] = 0x24;
    this.decimal(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    this.crlf();
  }

  /** The commands encoded so far (a buffer of their own), and a fresh start. */
  take(): { bytes: Buffer; count: number } {
    const bytes = Buffer.from(this.buf.subarray(0, this.pos));
    const count = this.count;
    this.pos = 0;
    this.count = 0;
    return { bytes, count };
  }

  /** A length or count line's number (a non-negative safe integer), then CRLF. */
  private decimal(n: number): void {
    if (n < 10) this.buf[this.pos++] = 0x30 + n;
    else this.digits(n, decimalDigits(n));
    this.crlf();
  }

  private crlf(): void {
    this.buf[this.pos++] = 0x0d;
    this.buf[this.pos++] = 0x0a;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

/** A parsed reply: integers as numbers, simple and bulk strings as strings (null for a null bulk), arrays as arrays, errors as RespReplyError. */
export type RespReply = number | string | null | RespReplyError | RespReply[];

const INCOMPLETE = Symbol('incomplete');

/** RESP2 replies off a byte stream, across chunk boundaries. */
export class RespReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  /** Adds bytes from the socket; then call next() until it returns undefined. */
  push(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
  }

  /** The next whole reply, or undefined when the bytes so far end inside one. Throws StorageError on bytes that are not RESP. */
  next(): RespReply | undefined {
    const start = this.pos;
    const reply = this.read();
    if (reply === INCOMPLETE) {
      this.pos = start;
      return undefined;
    }
    return reply;
  }

  private read(): RespReply | typeof INCOMPLETE {
    const { buf } = this;
    if (this.pos >= buf.length) return INCOMPLETE;
    const type = buf[this.pos];
    const end = buf.indexOf(0x0a, this.pos + 1);
    if (end === -1) return INCOMPLETE;
    const lineStart = this.pos + 1;
    const lineEnd = end - 1; // before '\r'
    this.pos = end + 1;
    switch (type) {
      case 0x3a: // ':'
        return integer(buf, lineStart, lineEnd);
      case 0x2b: // '+'
        return buf.toString('utf8', lineStart, lineEnd);
      case 0x2d: // '-'
        return new RespReplyError(buf.toString('utf8', lineStart, lineEnd));
      case 0x24: {
        // '$'
        const n = integer(buf, lineStart, lineEnd);
        if (n < 0) return null;
        if (this.pos + n + 2 > buf.length) return INCOMPLETE;
        const s = buf.toString('utf8', this.pos, this.pos + n);
        this.pos += n + 2;
        return s;
      }
      case 0x2a: {
        // '*'
        const n = integer(buf, lineStart, lineEnd);
        if (n < 0) return null;
        const items: RespReply[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const item = this.read();
          if (item === INCOMPLETE) return INCOMPLETE;
          items[i] = item;
        }
        return items;
      }
      default:
        throw new StorageError(`redis sent a reply that is not RESP (type byte 0x${type.toString(16)})`, true);
    }
  }
}

function integer(buf: Buffer, from: number, to: number): number {
  let i = from;
  let negative = false;
  if (buf[i] === 0x2d) {
    negative = true;
    i++;
  }
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) throw new StorageError(`redis sent a malformed number: ${buf.toString('latin1', from, to).slice(0, 40)}`, true);
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

interface Waiter {
  remaining: number;
  readonly replies: RespReply[];
  readonly resolve: (replies: RespReply[]) => void;
  readonly reject: (error: unknown) => void;
}

/** One connection's pipelines: `exec` writes a buffer of commands and resolves with their replies, in order. */
export class RespPipe {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private readonly waiting: Waiter[] = [];
  private reader = new RespReplyReader();
  private closed = false;
  private readonly shas = new Map<string, { sha: string; numberOfKeys?: number }>();

  constructor(private readonly options: RespPipeOptions) {
    for (const [name, script] of Object.entries(options.scripts ?? {})) {
      this.shas.set(name, { sha: createHash('sha1').update(script.lua).digest('hex'), numberOfKeys: script.numberOfKeys });
    }
  }

  /**
   * Encodes `[name, ...args]` into `encoder` (the array as the caller holds it, not copied): a
   * script the pipe knows by its name (EVALSHA), any other command by its Redis name.
   */
  encode(encoder: RespEncoder, command: readonly [string, ...Arg[]]): void {
    const name = command[0];
    const script = this.shas.get(name);
    if (!script) {
      encoder.command(name, command, 1);
      return;
    }
    encoder.header(command.length - 1 + (script.numberOfKeys === undefined ? 2 : 3));
    encoder.string('evalsha');
    encoder.string(script.sha);
    if (script.numberOfKeys !== undefined) encoder.arg(script.numberOfKeys);
    for (let i = 1; i < command.length; i++) encoder.arg(command[i]);
    encoder.count++;
  }

  /**
   * Sends `count` commands encoded in `bytes` and resolves with their replies. Rejects
   * (retriable) when the connection fails before every reply arrived, or with the first
   * error reply once all arrived (the other commands ran: a pipeline is not a transaction).
   */
  async exec(bytes: Buffer, count: number): Promise<RespReply[]> {
    if (this.closed) throw new StorageError('the redis pipe is closed', false);
    if (count === 0) return [];
    const socket = this.socket ?? (await (this.connecting ??= this.connect()));
    // Lost between connecting and now: its replies would never come, and nothing would fail this pipeline.
    if (socket !== this.socket || socket.destroyed) throw new StorageError('the redis connection failed before the pipeline was sent', true);
    const replies = await new Promise<RespReply[]>((resolve, reject) => {
      this.waiting.push({ remaining: count, replies: [], resolve, reject });
      socket.write(bytes);
    });
    for (const reply of replies) {
      if (reply instanceof RespReplyError) {
        if (reply.reply.startsWith('NOSCRIPT')) this.drop(reply);
        throw reply;
      }
    }
    return replies;
  }

  /** Closes the connection; pipelines still waiting fail. */
  close(): void {
    this.closed = true;
    this.drop(new StorageError('the redis pipe was closed', false));
  }

  private connect(): Promise<net.Socket> {
    const { options } = this;
    return new Promise<net.Socket>((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ host: options.host, port: options.port, servername: net.isIP(options.host) ? undefined : options.host, ...(typeof options.tls === 'object' ? options.tls : {}) })
        : net.connect({ host: options.host, port: options.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new StorageError(`redis at ${options.host}:${options.port} did not connect within ${options.connectTimeoutMs ?? 3000} ms`, true)), options.connectTimeoutMs ?? 3000);
      let open = false;
      const failed = (error: Error) => {
        clearTimeout(timer);
        this.connecting = undefined;
        reject(new StorageError(`could not connect to redis at ${options.host}:${options.port}: ${error.message}`, true, { cause: error }));
      };
      // One listener for the socket's life: before it opens, an error fails the connect; after, every pipeline waiting on it.
      socket.on('error', (error) => (open ? this.lost(socket, error) : failed(error)));
      socket.on('close', () => (open ? this.lost(socket, new Error('connection closed')) : failed(new Error('connection closed'))));
      socket.once(options.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        open = true;
        this.reader = new RespReplyReader();
        socket.on('data', (chunk: Buffer) => this.received(socket, chunk));
        // Authentication, database and scripts, as the connection's first pipeline.
        const setup = new RespEncoder(4096);
        if (options.password) setup.command('auth', options.username ? [options.username, options.password] : [options.password]);
        if (options.db) setup.command('select', [options.db]);
        if (options.clientName) setup.command('client', ['setname', options.clientName]);
        for (const name of this.shas.keys()) setup.command('script', ['load', this.options.scripts![name].lua]);
        const { bytes, count } = setup.take();
        this.socket = socket;
        this.connecting = undefined;
        if (count === 0) return resolve(socket);
        new Promise<RespReply[]>((done, fail) => {
          this.waiting.push({ remaining: count, replies: [], resolve: done, reject: fail });
          socket.write(bytes);
        }).then((replies) => {
          const error = replies.find((r): r is RespReplyError => r instanceof RespReplyError);
          if (!error) return resolve(socket);
          this.drop(error);
          reject(new StorageError(`redis refused the connection's setup: ${error.reply}`, true));
        }, reject);
      });
    });
  }

  private received(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.reader.push(chunk);
    try {
      for (let reply = this.reader.next(); reply !== undefined; reply = this.reader.next()) {
        const waiter = this.waiting[0];
        if (!waiter) throw new StorageError('redis sent a reply nobody asked for', true);
        waiter.replies.push(reply);
        if (--waiter.remaining === 0) {
          this.waiting.shift();
          waiter.resolve(waiter.replies);
        }
      }
    } catch (error) {
      this.drop(error);
    }
  }

  private lost(socket: net.Socket, error: Error): void {
    if (socket !== this.socket) return;
    this.drop(new StorageError(`the redis connection failed: ${error.message}`, true, { cause: error }));
  }

  /** Ends the connection and fails every pipeline waiting on it. */
  private drop(error: unknown): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
