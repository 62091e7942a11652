import { createServer } from 'node:net';
import { freePorts } from './free-port';

describe('freePorts', () => {
  it('hands out distinct ports that a server can then bind', async () => {
    const ports = await freePorts(8);
    expect(new Set(ports).size).toBe(8);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
