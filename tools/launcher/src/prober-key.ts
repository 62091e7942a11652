import { randomBytes } from 'node:crypto';

/** The tenant the prober writes as when the launcher gives it a key (as in the chart). */
export const DEFAULT_PROBER_TENANT = 'strata-prober';

export interface ProberKeyPlan {
  /** The environment every service gets. */
  readonly env: NodeJS.ProcessEnv;
  /** The key made for the prober in this run, when one was made. */
  readonly generated?: { readonly key: string; readonly tenant: string };
}

/**
 * With the user's own STRATA_API_KEYS, ingest and reader refuse the development key the
 * prober would otherwise use, and the dashboard turns red. So the launcher makes the
 * prober a key of its own for this run, appends `key:tenant` to the list ingest and reader
 * read, and passes it as STRATA_PROBER_API_KEY: the chart does the same with its Secret.
 *
 * Left alone: no STRATA_API_KEYS (everyone uses the development key), a blank one (the
 * services refuse to start and say why; a generated key must not make it look valid), and
 * a prober key the user gave (STRATA_PROBER_API_KEY or STRATA_PROBER_TENANTS).
 * The tenant is STRATA_PROBER_TENANT, which the prober reads too, else strata-prober.
 */
export function withProberKey(env: NodeJS.ProcessEnv, makeKey: () => string = randomProberKey): ProberKeyPlan {
  const apiKeys = env['STRATA_API_KEYS'];
  if (apiKeys === undefined || apiKeys.trim() === '') return { env };
  if (env['STRATA_PROBER_API_KEY'] || env['STRATA_PROBER_TENANTS']) return { env };
  const tenant = env['STRATA_PROBER_TENANT']?.trim() || DEFAULT_PROBER_TENANT;
  const key = makeKey();
  return {
    env: { ...env, STRATA_API_KEYS: `${apiKeys.trim().replace(/,+$/, '')},${key}:${tenant}`, STRATA_PROBER_API_KEY: key },
    generated: { key, tenant },
  };
}

/** 192 random bits, URL-safe: no `:` or `,` to break the key list. */
function randomProberKey(): string {
  return `prober-${randomBytes(24).toString('base64url')}`;
}
