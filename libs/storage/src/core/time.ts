// Durations in milliseconds, the unit of every timestamp Strata stores. A day is a UTC
// day: the warm tier's day index and the cold tier's day numbers both count in it.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
