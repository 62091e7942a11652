import { type ConfigError, EnvReader, type Env } from '@strata/runtime';

/** What a settings reader returns for `env`, and every problem it reports (as ConfigError would list them). */
export function readSettings<T>(readTier: (reader: EnvReader) => T, env: Env): { settings: T; problems: readonly string[] } {
  const reader = new EnvReader(env);
  const settings = readTier(reader);
  try {
    reader.finish();
    return { settings, problems: [] };
  } catch (error) {
    return { settings, problems: (error as ConfigError).problems };
  }
}
