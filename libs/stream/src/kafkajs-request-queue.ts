/**
 * kafkajs 2.2.4 (its last release) keeps every broker connection on a 1 ms timer once the
 * connection has had a response (tulios/kafkajs#1556, #1604, #1704): `RequestQueue`'s
 * `scheduleCheckPendingRequests` arms a timer even when nothing waits and nothing is
 * throttled, with a negative delay (Node runs it after 1 ms), and the timer's check arms it
 * again. An idle writer spent about 6% of a core on it, ingest about 4%, and under load each
 * connection still woke its process a thousand times a second.
 *
 * Replaces that method on kafkajs's own class (one module instance: npm packages stay
 * external to the bundles) with one that arms the timer only when a request waits (after
 * the broker's throttle, or CHECK_PENDING_REQUESTS_INTERVAL as before) or while a throttle
 * lasts. Every other path that sends a waiting request is kafkajs's: a response checks the
 * queue, and a push sends at once or waits here. Loaded for its effect by kafka-config.ts,
 * before any client exists.
 */

// kafkajs has no typings for its internals, and no `exports` map that would hide them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as RequestQueueClass;

/** What kafkajs waits between checks of a queue whose requests wait on the in-flight limit. */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

interface RequestQueueState {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

interface RequestQueueClass {
  prototype: RequestQueueState;
}

function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  const throttledFor = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && throttledFor <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL,
  );
}

const proto = RequestQueue?.prototype;
if (typeof proto?.scheduleCheckPendingRequests !== 'function' || typeof proto.checkPendingRequests !== 'function') {
  // An upgrade that moved or renamed the class: fail where it is seen, not by a timer loop.
  throw new Error('kafkajs RequestQueue not found where kafkajs 2.2.4 has it (kafkajs-request-queue.ts)');
}
proto.scheduleCheckPendingRequests = scheduleCheckPendingRequests;

/** The replacement, for its tests. */
export const patchedScheduleCheckPendingRequests = scheduleCheckPendingRequests;
