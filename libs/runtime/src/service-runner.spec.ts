import { EventEmitter } from 'node:events';
import { ServiceRunner, type Lifecycle } from './service-runner';
import { memoryLogger } from './testing';

function recorder(events: string[], name: string, failStart = false): Lifecycle {
  return {
    name,
    start: async () => {
      events.push(`start ${name}`);
      if (failStart) throw new Error(`${name} cannot start`);
    },
    stop: async () => {
      events.push(`stop ${name}`);
    },
  };
}

function harness(components: (events: string[]) => Lifecycle[]) {
  const events: string[] = [];
  const signals = new EventEmitter();
  const exits: number[] = [];
  const runner = new ServiceRunner(components(events), {
    logger: memoryLogger().logger,
    shutdownTimeoutMs: 1_000,
    onDrainStart: () => events.push('drain'),
    exit: (code) => exits.push(code),
    signals: signals as unknown as Pick<NodeJS.Process, 'once' | 'off'>,
  });
  return { events, signals, exits, runner };
}

describe('ServiceRunner', () => {
  it('starts in order and stops in reverse on SIGTERM, draining first', async () => {
    const { events, signals, exits, runner } = harness((e) => [recorder(e, 'a'), recorder(e, 'b'), recorder(e, 'c')]);
    await runner.start();
    signals.emit('SIGTERM', 'SIGTERM');
    await runner.shutdown('again');
    expect(events).toEqual(['start a', 'start b', 'start c', 'drain', 'stop c', 'stop b', 'stop a']);
    expect(exits).toEqual([0]);
  });

  it('stops only what started when a component fails, and exits 1', async () => {
    const { events, exits, runner } = harness((e) => [recorder(e, 'a'), recorder(e, 'b', true), recorder(e, 'c')]);
    await runner.start();
    expect(events).toEqual(['start a', 'start b', 'drain', 'stop a']);
    expect(exits).toEqual([1]);
  });

  it('handles a second signal without stopping twice', async () => {
    const { events, signals, runner } = harness((e) => [recorder(e, 'a')]);
    await runner.start();
    signals.emit('SIGINT', 'SIGINT');
    signals.emit('SIGTERM', 'SIGTERM');
    await runner.shutdown('third');
    expect(events.filter((event) => event === 'stop a')).toHaveLength(1);
  });
});
