import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Env, EnvReader } from './env-reader';
import { ConfigError } from './errors';

/** The key the local stack accepts when STRATA_API_KEYS is not set; printed at start-up. */
export const DEVELOPMENT_API_KEY = 'strata-dev-key';
export const DEVELOPMENT_TENANT = 'dev';

const TENANT_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Maps API keys to tenants while holding only SHA-256 digests of the keys. Lookups hash
 * the presented key and compare digests with `timingSafeEqual`, so neither the stored
 * keys nor the comparison time reveal a key.
 */
export class ApiKeyStore {
  private readonly entries: ReadonlyArray<{ digest: Buffer; tenant: string }>;
  private readonly salt = randomBytes(16);

  private constructor(pairs: ReadonlyArray<{ key: string; tenant: string }>) {
    this.entries = pairs.map(({ key, tenant }) => ({ digest: this.digest(key), tenant }));
  }

  /**
   * Parses `key:tenant` pairs separated by commas. Only when the variable is unset
   * (`undefined`) does it accept {@link DEVELOPMENT_API_KEY} for tenant
   * {@link DEVELOPMENT_TENANT}. A set but blank list is a mistake (an empty Secret, a
   * template that rendered nothing), not a request for the public development key, so it
   * throws ConfigError; and a set list never accepts the development key, even if listed.
   */
  static parse(spec: string | undefined, variable = 'STRATA_API_KEYS'): ApiKeyStore {
    if (spec === undefined) {
      return new ApiKeyStore([{ key: DEVELOPMENT_API_KEY, tenant: DEVELOPMENT_TENANT }]);
    }
    if (spec.trim() === '') {
      throw new ConfigError([
        `${variable} is set but blank; give key:tenant pairs, or unset it to use the local development key`,
      ]);
    }
    const problems: string[] = [];
    const pairs: Array<{ key: string; tenant: string }> = [];
    const seen = new Set<string>();
    spec.split(',').forEach((entry, index) => {
      const trimmed = entry.trim();
      if (trimmed === '') return;
      const separator = trimmed.lastIndexOf(':');
      const key = trimmed.slice(0, separator);
      const tenant = trimmed.slice(separator + 1);
      if (separator <= 0 || key.length < 8) {
        problems.push(`${variable} entry ${index + 1} must be key:tenant with a key of at least 8 characters`);
      } else if (!TENANT_PATTERN.test(tenant)) {
        problems.push(`${variable} entry ${index + 1} has tenant ${JSON.stringify(tenant)}; tenants match ${TENANT_PATTERN}`);
      } else if (key === DEVELOPMENT_API_KEY) {
        problems.push(`${variable} entry ${index + 1} uses the public development key; choose a secret key`);
      } else if (seen.has(key)) {
        problems.push(`${variable} entry ${index + 1} repeats a key already given`);
      } else {
        seen.add(key);
        pairs.push({ key, tenant });
      }
    });
    if (problems.length > 0) throw new ConfigError(problems);
    if (pairs.length === 0) throw new ConfigError([`${variable} is set but holds no key:tenant pair`]);
    return new ApiKeyStore(pairs);
  }

  /** A store that refuses every key: what a config holds when its key list was refused. */
  static none(): ApiKeyStore {
    return new ApiKeyStore([]);
  }

  get usesDevelopmentKey(): boolean {
    return this.tenantFor(DEVELOPMENT_API_KEY) === DEVELOPMENT_TENANT && this.entries.length === 1;
  }

  get tenants(): string[] {
    return [...new Set(this.entries.map((entry) => entry.tenant))];
  }

  /** The tenant for a presented key, or undefined when the key is unknown. */
  tenantFor(key: string | undefined): string | undefined {
    if (key === undefined || key === '') return undefined;
    const digest = this.digest(key);
    let tenant: string | undefined;
    // Compare against every entry, without an early exit, so timing does not depend on
    // which entry (if any) matches.
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) tenant = entry.tenant;
    }
    return tenant;
  }

  private digest(key: string): Buffer {
    return createHash('sha256').update(this.salt).update(key, 'utf8').digest();
  }
}

/**
 * Reads STRATA_API_KEYS for a service's config: the store, or (when the list is blank or
 * malformed) its problems recorded on `reader`, so that `reader.finish()` names them along
 * with every other bad variable. Reads `env` directly because EnvReader treats a blank
 * value as unset, and here blank must not mean "use the development key".
 */
export function readApiKeys(env: Env, reader: EnvReader, variable = 'STRATA_API_KEYS'): ApiKeyStore {
  try {
    return ApiKeyStore.parse(env[variable], variable);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    error.problems.forEach((problem) => reader.problem(problem));
    return ApiKeyStore.none();
  }
}
