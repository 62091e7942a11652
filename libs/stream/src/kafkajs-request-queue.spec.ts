import './kafkajs-request-queue';

// kafkajs's request queue, as every client of the process uses it once kafka-config.ts is loaded.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue');

const logger = { debug: () => undefined, warn: () => undefined, info: () => undefined, error: () => undefined };

interface Sent {
  readonly correlationId: number;
  resolved: boolean;
}

/** A queue as a broker connection makes it, and a way to push requests that records their sending. */
function queue(Queue: typeof RequestQueue, maxInFlightRequests: number | null = null) {
  const q = new Queue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'localhost:9092', logger });
  const sent: Sent[] = [];
  let next = 1;
  const push = () => {
    const correlationId = next++;
    const request: Sent = { correlationId, resolved: false };
    q.push({
      entry: { correlationId, apiKey: 0, apiName: 'Produce', apiVersion: 7, resolve: () => (request.resolved = true), reject: () => undefined },
      expectResponse: true,
      sendRequest: () => sent.push(request),
    });
    return request;
  };
  const respond = (request: Sent) => q.fulfillRequest({ correlationId: request.correlationId, payload: Buffer.alloc(0), size: 0 });
  return { q, sent, push, respond };
}

describe("kafkajs's request queue without its timer loop", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('arms no timer once a response leaves nothing waiting; the unpatched class arms one that re-arms itself', () => {
    const fixed = queue(RequestQueue);
    fixed.respond(fixed.push());
    expect(fixed.sent).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);

    jest.isolateModules(() => {
      // A fresh copy of kafkajs's module, as kafkajs 2.2.4 ships it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Original = require('kafkajs/src/network/requestQueue');
      const original = queue(Original);
      original.respond(original.push());
      expect(jest.getTimerCount()).toBe(1);
      jest.advanceTimersByTime(50);
      // Still armed after 50 ms of checks with nothing to check.
      expect(jest.getTimerCount()).toBe(1);
      original.q.destroy();
    });
  });

  it('sends a request held by the in-flight limit when a response frees a slot', () => {
    const { sent, push, respond } = queue(RequestQueue, 1);
    const first = push();
    const second = push();
    expect(sent).toEqual([first]);
    respond(first);
    expect(sent).toEqual([first, second]);
    expect(first.resolved).toBe(true);
    respond(second);
    // The check armed while the second waited runs once, finds nothing, and is not armed again.
    jest.advanceTimersByTime(10);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('holds requests while the broker throttles, and sends them when the throttle ends', () => {
    const { q, sent, push } = queue(RequestQueue);
    q.maybeThrottle(200);
    const held = push();
    expect(sent).toHaveLength(0);
    jest.advanceTimersByTime(199);
    expect(sent).toHaveLength(0);
    jest.advanceTimersByTime(20);
    expect(sent).toEqual([held]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('checks again after the interval when a request waits with nothing in flight to free it', () => {
    const { q, sent, push } = queue(RequestQueue, 1);
    const first = push();
    push();
    // The in-flight request is dropped without a response (as a timed-out request is).
    q.inflight.delete(first.correlationId);
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(10);
    expect(sent).toHaveLength(2);
  });
});
