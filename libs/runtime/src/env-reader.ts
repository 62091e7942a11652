import { ConfigError } from './errors';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads typed settings from an environment map, collecting every problem instead of
 * stopping at the first, so one start-up failure names all bad variables at once.
 * Call {@link EnvReader.finish} after the last read; it throws a {@link ConfigError}.
 *
 * Not a global: each config module builds one from the env it is given, which keeps
 * `process.env` out of everything but `main.ts`.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string {
    const raw = this.raw(name);
    if (raw !== undefined) return raw;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name} is required`);
    return '';
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not an integer`);
      return fallback;
    }
    if (range.min !== undefined && value < range.min) {
      this.problems.push(`${name}=${value} is below the minimum ${range.min}`);
    } else if (range.max !== undefined && value > range.max) {
      this.problems.push(`${name}=${value} is above the maximum ${range.max}`);
    }
    return value;
  }

  port(name: string, fallback: number): number {
    return this.int(name, fallback, { min: 0, max: 65535 });
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const normalized = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
    if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
    this.problems.push(`${name}=${JSON.stringify(raw)} is not a boolean (true/false)`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name}=${JSON.stringify(raw)} is not one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** Comma-separated list; blank entries are ignored. */
  list(name: string, fallback: readonly string[]): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return [...fallback];
    return raw
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
  }

  url(name: string, fallback?: string): string | undefined {
    const raw = this.raw(name) ?? fallback;
    if (raw === undefined) return undefined;
    try {
      new URL(raw);
    } catch {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not a URL`);
    }
    return raw;
  }

  /** Records a problem found by a cross-field check after the reads. */
  problem(message: string): void {
    this.problems.push(message);
  }

  finish(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }
}
