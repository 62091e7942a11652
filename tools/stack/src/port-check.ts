import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { PortHolder } from './errors';
import { splitCmdline } from './process-supervisor';

export interface SocketEntry {
  address: string;
  port: number;
  /** Kernel TCP state; 0x0A is LISTEN. */
  state: number;
  inode: number;
}

const TCP_LISTEN = 0x0a;

/** Parses /proc/net/tcp or /proc/net/tcp6 (addresses are hex, each 32-bit word little-endian). */
export function parseProcNetTcp(text: string): SocketEntry[] {
  const entries: SocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [addressHex, portHex] = (fields[1] ?? '').split(':');
    if (!addressHex || !portHex) continue;
    entries.push({
      address: decodeAddress(addressHex),
      port: parseInt(portHex, 16),
      state: parseInt(fields[3] ?? '', 16),
      inode: Number(fields[9]),
    });
  }
  return entries;
}

function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

/** Inodes of sockets listening on `port` on any address, read from /proc/net. */
export function listeningInodes(port: number, procRoot = '/proc'): number[] {
  const inodes: number[] = [];
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(procRoot, 'net', file), 'utf8');
    } catch {
      continue;
    }
    for (const entry of parseProcNetTcp(text)) {
      if (entry.state === TCP_LISTEN && entry.port === port) inodes.push(entry.inode);
    }
  }
  return inodes;
}

/** The process holding one of these socket inodes, found through /proc/<pid>/fd links. */
export function findSocketOwner(inodes: readonly number[], procRoot = '/proc'): PortHolder {
  const wanted = new Set(inodes.map((i) => `socket:[${i}]`));
  let pids: string[];
  try {
    pids = fs.readdirSync(procRoot).filter((e) => /^\d+$/.test(e));
  } catch {
    return {};
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(path.join(procRoot, pid, 'fd'));
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = fs.readlinkSync(path.join(procRoot, pid, 'fd', fd));
      } catch {
        continue;
      }
      if (wanted.has(link)) {
        let command: string | undefined;
        try {
          command = splitCmdline(fs.readFileSync(path.join(procRoot, pid, 'cmdline'))).join(' ').slice(0, 300);
        } catch {
          command = undefined;
        }
        return { pid: Number(pid), ...(command && { command }) };
      }
    }
  }
  return {};
}

/**
 * Who holds `port`, or null if it is free. /proc names the holder when it can; a bind
 * attempt on `host` catches what /proc does not show.
 */
export async function findPortHolder(port: number, host: string, procRoot = '/proc'): Promise<PortHolder | null> {
  const inodes = listeningInodes(port, procRoot);
  if (inodes.length > 0) return findSocketOwner(inodes, procRoot);
  return (await canBind(port, host)) ? null : {};
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
