import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkComponents } from './component-status';

describe('checkComponents', () => {
  let server: Server;
  let base: string;
  let closedPort: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok/readyz') {
        res.writeHead(200).end(JSON.stringify({ ready: true, checks: { kafka: true } }));
      } else if (req.url === '/down/readyz') {
        res.writeHead(503).end(JSON.stringify({ ready: false, checks: { kafka: true, redis: 'connection refused' } }));
      } else if (req.url === '/slow/readyz') {
        setTimeout(() => res.writeHead(200).end('{}'), 1_000);
      } else {
        res.writeHead(500).end('boom');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('reports each component with the reason it is not ready', async () => {
    const statuses = await checkComponents(
      [
        { name: 'ok', opsUrl: `${base}/ok` },
        { name: 'down', opsUrl: `${base}/down` },
        { name: 'broken', opsUrl: `${base}/broken` },
        { name: 'slow', opsUrl: `${base}/slow` },
        { name: 'absent', opsUrl: `http://127.0.0.1:${closedPort}` },
      ],
      { timeoutMs: 200, now: () => 42 },
    );
    expect(statuses.map(({ name, ready, problems }) => ({ name, ready, problems }))).toEqual([
      { name: 'ok', ready: true, problems: [] },
      { name: 'down', ready: false, problems: ['redis: connection refused'] },
      { name: 'broken', ready: false, problems: ['/readyz answered 500'] },
      { name: 'slow', ready: false, problems: [expect.stringMatching(/^unreachable: .*(timeout|aborted)/i)] },
      { name: 'absent', ready: false, problems: [expect.stringMatching(/^unreachable: .*ECONNREFUSED/)] },
    ]);
    expect(statuses.every((s) => s.checkedAt === 42)).toBe(true);
  });
});
