// Tenant B of the noisy-neighbour bench in a thread of its own: B is another client than A,
// so its latencies must not include the stalls of the event loop that sends A's traffic
// (8 MB bodies at full speed held the bench's loop for up to 67 ms, p99 28 ms, measured).
// The bench drives it with messages; see CanaryThread.
import { parentPort, workerData } from 'node:worker_threads';
import { CanaryTenant, ownConnection } from '@strata/system-tests';

/** What the bench asks of the thread. */
export type CanaryCommand = { readonly op: 'settle'; readonly timeoutMs: number } | { readonly op: 'run'; readonly seconds: number } | { readonly op: 'check' } | { readonly op: 'stop' };

/** What the thread answers: the latencies of a run and the failures so far, or the points missing at the end. */
export interface CanaryAnswer {
  readonly write?: number[];
  readonly readable?: number[];
  readonly failures: string[];
  readonly lost?: string[];
  readonly error?: string;
}

export interface CanaryThreadData {
  readonly ingest: string;
  readonly reader: string;
  readonly apiKey: string;
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as CanaryThreadData;
  const connections = [ownConnection(data.ingest), ownConnection(data.reader)];
  const canary = new CanaryTenant({ ingest: connections[0], reader: connections[1], apiKey: data.apiKey });
  port.on('message', (command: CanaryCommand) => {
    const answer = async (): Promise<CanaryAnswer> => {
      switch (command.op) {
        case 'settle':
          await canary.settle(command.timeoutMs);
          return { failures: [...canary.failures] };
        case 'run': {
          canary.writeMs.length = 0;
          canary.readableMs.length = 0;
          const ends = Date.now() + command.seconds * 1_000;
          // Read-backs up to 8 at a time, so that most points get a time to readable even when reads slow down.
          await canary.run(() => Date.now() >= ends, 100, 8);
          return { write: [...canary.writeMs], readable: [...canary.readableMs], failures: [...canary.failures] };
        }
        case 'check':
          return { lost: await canary.check(), failures: [...canary.failures] };
        case 'stop':
          connections.forEach((c) => c.close());
          return { failures: [...canary.failures] };
      }
    };
    answer().then(
      (a) => port.postMessage(a),
      (error: unknown) => port.postMessage({ failures: [...canary.failures], error: String((error as Error).stack ?? error) }),
    );
  });
}
