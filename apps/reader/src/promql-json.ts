import { formatValue, type Labels, type QueryValue } from '@strata/promql';

/** Prometheus's JSON for a query result (the envelope's `data`): times in seconds, values as strings. */
export function formatQueryValue(value: QueryValue): unknown {
  const metric = (labels: Labels) => Object.fromEntries(labels.map((l) => [l.name, l.value]));
  switch (value.resultType) {
    case 'vector':
      return { resultType: 'vector', result: value.result.map((s) => ({ metric: metric(s.labels), value: [s.t / 1_000, formatValue(s.v)] })) };
    case 'matrix':
      return { resultType: 'matrix', result: value.result.map((s) => ({ metric: metric(s.labels), values: s.t.map((t, i) => [t / 1_000, formatValue(s.v[i])]) })) };
    case 'scalar':
      return { resultType: 'scalar', result: [value.result[0], formatValue(value.result[1])] };
    case 'string':
      return { resultType: 'string', result: value.result };
  }
}

/**
 * `JSON.stringify(formatQueryValue(value))`, written straight into one string: no array per
 * sample for JSON.stringify to walk. A day of one series at one minute is 1,441 of them, and
 * building then walking them was a sixth of the reader's event loop under small queries.
 * Labels come out in their order (a label set has each name once).
 */
export function queryValueJson(value: QueryValue): string {
  switch (value.resultType) {
    case 'vector': {
      let out = '{"resultType":"vector","result":[';
      for (let i = 0; i < value.result.length; i++) {
        const s = value.result[i];
        out += `${i === 0 ? '' : ','}{"metric":${metricJson(s.labels)},"value":[${secondsJson(s.t)},"${valueString(s.v)}"]}`;
      }
      return `${out}]}`;
    }
    case 'matrix': {
      let out = '{"resultType":"matrix","result":[';
      for (let i = 0; i < value.result.length; i++) {
        const s = value.result[i];
        out += `${i === 0 ? '' : ','}{"metric":${metricJson(s.labels)},"values":[`;
        for (let j = 0; j < s.t.length; j++) out += `${j === 0 ? '' : ','}[${secondsJson(s.t[j])},"${valueString(s.v[j])}"]`;
        out += ']}';
      }
      return `${out}]}`;
    }
    case 'scalar':
      return `{"resultType":"scalar","result":[${numberJson(value.result[0])},"${formatValue(value.result[1])}"]}`;
    case 'string':
      return JSON.stringify(formatQueryValue(value));
  }
}

function metricJson(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) out += `${i === 0 ? '' : ','}${JSON.stringify(labels[i].name)}:${JSON.stringify(labels[i].value)}`;
  return `${out}}`;
}

/**
 * `formatValue(v)`, without the general float-to-text conversion for values with at most two
 * decimals (counters, most gauges). Sound because `m / 100` is the double nearest to the
 * decimal m/100, and a decimal of at most 15 significant digits is the shortest text of its
 * nearest double, which is what formatValue (String) writes for 1e-6 <= |v| < 1e21.
 */
export function valueString(v: number): string {
  const m = Math.round(v * 100);
  if (m === 0 || m / 100 !== v || m >= 1e15 || m <= -1e15) return formatValue(v);
  const a = m < 0 ? -m : m;
  const whole = Math.floor(a / 100);
  const cents = a - whole * 100;
  const text = cents === 0 ? String(whole) : cents % 10 === 0 ? `${whole}.${cents / 10}` : `${whole}.${cents < 10 ? '0' : ''}${cents}`;
  return m < 0 ? `-${text}` : text;
}

/** `JSON.stringify(ms / 1_000)`, with whole milliseconds written without the float conversion (the same argument as valueString). */
export function secondsJson(ms: number): string {
  if (!Number.isInteger(ms) || ms >= 1e15 || ms <= -1e15) return numberJson(ms / 1_000);
  const a = ms < 0 ? -ms : ms;
  const whole = Math.floor(a / 1_000);
  const milli = a - whole * 1_000;
  const text =
    milli === 0 ? String(whole) : milli % 100 === 0 ? `${whole}.${milli / 100}` : milli % 10 === 0 ? `${whole}.${milli < 100 ? '0' : ''}${milli / 10}` : `${whole}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}`;
  return ms < 0 && a !== 0 ? `-${text}` : text;
}

/** A number as JSON.stringify writes it (null for NaN and the infinities). */
function numberJson(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}
