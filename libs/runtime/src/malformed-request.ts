import type { ServiceDefinition } from '@grpc/grpc-js';

const MALFORMED = Symbol('strata.malformedRequest');

interface MalformedMarker {
  readonly [MALFORMED]: string;
}

/**
 * grpc-js answers a request body that fails to decode with INTERNAL and no reason. This
 * wraps each method's deserializer so the handler receives a marker instead and can
 * answer INVALID_ARGUMENT saying what was wrong: the client sent bad bytes, the server
 * did not fail.
 */
export function tolerateMalformedRequests<T extends ServiceDefinition>(definition: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [method, spec] of Object.entries(definition)) {
    wrapped[method] = {
      ...spec,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return spec.requestDeserialize(bytes);
        } catch (error) {
          const marker: MalformedMarker = { [MALFORMED]: error instanceof Error ? error.message : String(error) };
          return marker;
        }
      },
    };
  }
  return wrapped as T;
}

/** The decode failure of a request wrapped by {@link tolerateMalformedRequests}, if any. */
export function malformedRequestReason(request: unknown): string | undefined {
  return typeof request === 'object' && request !== null && MALFORMED in request
    ? (request as MalformedMarker)[MALFORMED]
    : undefined;
}

/**
 * The definition with every method's request deserializer replaced by the identity: the
 * handler receives the raw body as a Buffer and decodes it itself, after it has
 * authenticated the caller and admitted the bytes. grpc-js would otherwise decode the
 * body (millions of objects for a few MB) before any handler code could refuse it.
 */
export function rawRequestBodies<T extends ServiceDefinition>(definition: T): T {
  const raw: Record<string, unknown> = {};
  for (const [method, spec] of Object.entries(definition)) {
    raw[method] = { ...spec, requestDeserialize: (bytes: Buffer) => bytes };
  }
  return raw as T;
}
