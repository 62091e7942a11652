// UTC days and months as the cold tier numbers them: a day is floor(ms / 86 400 000), a
// month is (year - 1970) * 12 + (month - 1). Both are what the formats store.

import { DAY_MS } from '../core/time';

/** The stored rollup resolutions, finest first. */
export const ROLLUP_RESOLUTIONS_MS = [300_000, 3_600_000, DAY_MS] as const;
export type RollupResolutionMs = (typeof ROLLUP_RESOLUTIONS_MS)[number];

export function dayNumber(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function dayStartMs(day: number): number {
  return day * DAY_MS;
}

/** `2026-11-01` */
export function dayIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Parses `YYYY-MM-DD` (a real calendar day) into a day number, or undefined. */
export function parseDayIso(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (!Number.isFinite(ms) || dayIso(ms / DAY_MS) !== text) return undefined;
  return ms / DAY_MS;
}

export function monthOfDay(day: number): number {
  const date = new Date(day * DAY_MS);
  return (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
}

/** First day (number) of a month. */
export function monthFirstDay(month: number): number {
  return Date.UTC(1970 + Math.floor(month / 12), month % 12, 1) / DAY_MS;
}

/** Day number after the month's last day. */
export function monthEndDay(month: number): number {
  return monthFirstDay(month + 1);
}

/** `2026-11` */
export function monthIso(month: number): string {
  return `${1970 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
}

/** Parses `YYYY-MM` (a real calendar month) into a month number, or undefined. */
export function parseMonthIso(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const monthOfYear = Number(match[2]);
  if (monthOfYear < 1 || monthOfYear > 12) return undefined;
  return (Number(match[1]) - 1970) * 12 + monthOfYear - 1;
}

/** The calendar year (e.g. 2026) a month lies in. */
export function yearOfMonth(month: number): number {
  return 1970 + Math.floor(month / 12);
}

/** The first and the last month number of a calendar year. */
export function yearMonths(year: number): { first: number; last: number } {
  const first = (year - 1970) * 12;
  return { first, last: first + 11 };
}
