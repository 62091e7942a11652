import * as grpc from '@grpc/grpc-js';

/** The answer to one call whose bodies the caller encodes and decodes itself. */
export type RawOutcome = { ok: true; messages: Buffer[]; ms: number } | { ok: false; error: grpc.ServiceError; ms: number };

/** The status name of an outcome: `OK`, or the gRPC code's name (`INVALID_ARGUMENT`...). */
export const outcomeCode = (outcome: RawOutcome): string => (outcome.ok ? 'OK' : (grpc.status[outcome.error.code] ?? `code ${outcome.error.code}`));

export const METHODS = {
  write: '/strata.v1.IngestService/Write',
  read: '/strata.v1.QueryService/Read',
  listSeries: '/strata.v1.QueryService/ListSeries',
} as const;

/**
 * A client with a connection of its own: grpc-js shares one connection between clients of
 * the same address unless told not to, and a tenant's connection must not be the one an
 * 8 MB body of another client is crawling through when the test looks at that tenant's
 * latency. Sends bodies of any size; takes answers up to 64 MiB.
 */
export function ownConnection(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
}

function metadataFor(apiKey: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (apiKey !== undefined) metadata.set('x-api-key', apiKey);
  return metadata;
}

const identity = (bytes: Buffer) => bytes;

/** One unary call with `body` sent as it is; no key when `apiKey` is undefined. Never rejects. */
export function unaryRaw(client: grpc.Client, method: string, body: Buffer, apiKey: string | undefined, timeoutMs = 30_000): Promise<RawOutcome> {
  const began = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(method, identity, identity, body, metadataFor(apiKey), { deadline: Date.now() + timeoutMs }, (error, response) =>
      resolve(error ? { ok: false, error, ms: performance.now() - began } : { ok: true, messages: [response!], ms: performance.now() - began }),
    );
  });
}

/**
 * One server-streaming call (QueryService/Read) with `body` sent as it is. Keeps at most
 * `keepMessages` answers (a giant read may stream many MB the caller only counts); `count`
 * is how many arrived. Never rejects.
 */
export function serverStreamRaw(
  client: grpc.Client,
  method: string,
  body: Buffer,
  apiKey: string | undefined,
  options: { timeoutMs?: number; keepMessages?: number } = {},
): Promise<RawOutcome & { count: number }> {
  const began = performance.now();
  const keep = options.keepMessages ?? Infinity;
  const messages: Buffer[] = [];
  let count = 0;
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest<Buffer, Buffer>(method, identity, identity, body, metadataFor(apiKey), {
      deadline: Date.now() + (options.timeoutMs ?? 30_000),
    });
    // The final status is the authority: it comes after the last message, and an error
    // ends the stream too, so neither 'end' nor 'error' alone says how the call went.
    let error: grpc.ServiceError | undefined;
    let ended = false;
    let status: grpc.StatusObject | undefined;
    const settle = () => {
      if (!status || !(ended || error)) return;
      const ms = performance.now() - began;
      if (status.code === grpc.status.OK && !error) resolve({ ok: true, messages, ms, count });
      else resolve({ ok: false, error: error ?? Object.assign(new Error(status.details), { ...status, metadata: status.metadata }), ms, count });
    };
    call.on('data', (message: Buffer) => {
      count++;
      if (messages.length < keep) messages.push(message);
    });
    call.on('error', (e: grpc.ServiceError) => {
      error = e;
      settle();
    });
    call.on('end', () => {
      ended = true;
      settle();
    });
    call.on('status', (s: grpc.StatusObject) => {
      status = s;
      settle();
    });
  });
}
