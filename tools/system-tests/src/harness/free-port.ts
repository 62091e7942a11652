import * as net from 'node:net';

/** A TCP port free on 127.0.0.1 right now: the kernel picks it for a listener on port 0. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `count` distinct free ports. Asked one after another, the kernel could hand out a port
 * twice (each listener is closed before the next asks), so duplicates are drawn again.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
