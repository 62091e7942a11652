import * as net from 'node:net';
import { findPortHolder, parseProcNetTcp } from './port-check';

const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0
   1: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 223344 1 0000000000000000 100 0 0 10 0
   2: 0100007F:18EB 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 30 10 -1
`;
const PROC_NET_TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:2384 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 998877 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 556677 1 0000000000000000 100 0 0 10 0
`;

describe('parseProcNetTcp', () => {
  it('decodes IPv4 addresses, ports, states and inodes', () => {
    expect(parseProcNetTcp(PROC_NET_TCP)).toEqual([
      { address: '127.0.0.1', port: 6379, state: 0x0a, inode: 123456 },
      { address: '0.0.0.0', port: 8000, state: 0x0a, inode: 223344 },
      { address: '127.0.0.1', port: 6379, state: 0x01, inode: 0 },
    ]);
  });

  it('decodes IPv6 addresses, including v4-mapped and ::1', () => {
    expect(parseProcNetTcp(PROC_NET_TCP6)).toEqual([
      { address: '0:0:0:0:0:ffff:7f00:1', port: 9092, state: 0x0a, inode: 998877 },
      { address: '0:0:0:0:0:0:0:1', port: 8000, state: 0x0a, inode: 556677 },
    ]);
  });
});

describe('findPortHolder', () => {
  it('names this process as the holder of a port it listens on, and finds the port free after', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const holder = await findPortHolder(port, '127.0.0.1');
      expect(holder?.pid).toBe(process.pid);
      expect(holder?.command).toContain('node');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await findPortHolder(port, '127.0.0.1')).toBeNull();
  });
});
