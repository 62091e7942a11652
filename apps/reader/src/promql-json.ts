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
