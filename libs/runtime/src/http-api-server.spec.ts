import * as http from 'node:http';
import { BodyTooLargeError, HttpApiServer, readBody } from './http-api-server';
import { memoryLogger } from './testing';

describe('HttpApiServer', () => {
  const LIMIT = 1_000;
  const seen: Array<number | string> = [];
  const server = new HttpApiServer({
    host: '127.0.0.1',
    port: 0,
    logger: memoryLogger().logger,
    routes: [
      {
        method: 'POST',
        path: '/echo',
        handle: async (req, res) => {
          try {
            const body = await readBody(req, LIMIT);
            seen.push(body.length);
            res.end(body);
          } catch (error) {
            seen.push(error instanceof BodyTooLargeError ? 'too large' : String(error));
            res.writeHead(413, { connection: 'close' });
            res.end();
          }
        },
      },
      { method: 'GET', path: '/things/', prefix: true, handle: async (req, res) => void res.end(`prefix ${req.url}`) },
      { method: 'GET', path: '/things/special', handle: async (_req, res) => void res.end('exact') },
    ],
  });
  beforeAll(() => server.start());
  afterAll(() => server.stop(100));
  beforeEach(() => (seen.length = 0));

  /** A POST with a body sent in pieces and no Content-Length (chunked), so only the reading can bound it. */
  const postChunked = (bytes: number) =>
    new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/echo', method: 'POST' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(-1));
      for (let sent = 0; sent < bytes; sent += 100) req.write(Buffer.alloc(Math.min(100, bytes - sent), 1));
      req.end();
    });

  it('reads a body of exactly the limit, and refuses one byte more, declared or not', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/echo`, { method: 'POST', body: Buffer.alloc(LIMIT) })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.port}/echo`, { method: 'POST', body: Buffer.alloc(LIMIT + 1) })).status).toBe(413);
    expect(await postChunked(LIMIT)).toBe(200);
    expect([413, -1]).toContain(await postChunked(LIMIT + 1));
    expect(seen).toEqual([LIMIT, 'too large', LIMIT, 'too large']);
  });

  it('answers 404 for an unknown path and 405 with Allow for a known one with another method', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/nope`, { method: 'POST' })).status).toBe(404);
    const get = await fetch(`http://127.0.0.1:${server.port}/echo`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('sends a path under a prefix route to it, an exact route winning, and another method there 405', async () => {
    expect(await (await fetch(`http://127.0.0.1:${server.port}/things/a/values?x=1`)).text()).toBe('prefix /things/a/values?x=1');
    expect(await (await fetch(`http://127.0.0.1:${server.port}/things/special`)).text()).toBe('exact');
    expect((await fetch(`http://127.0.0.1:${server.port}/things`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/things/a`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses headers over 16 KiB before any route runs, and keeps serving', async () => {
    const status = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/echo', method: 'POST', headers: { 'x-big': 'a'.repeat(17 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1));
      req.end();
    });
    expect(status).toBe(431);
    expect(seen).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${server.port}/echo`, { method: 'POST', body: 'ok' })).status).toBe(200);
  });
});
