// Checks that what operators watch refers to metrics that exist: every PromQL expression
// of the Grafana dashboards (dashboards/*.json) and of the alert rules
// (rules/strata-alerts.yaml) may only name metrics the Strata apps register with
// prom-client (found in their source), the default process metrics prom-client adds
// (prefix strata_), and the few listed below with where they come from. Also checks that
// each dashboard is valid, self-consistent JSON and that docs/operations.md explains every
// alert. Run by `nx test chart` (charts/strata/rules/test.sh).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const chart = join(root, 'charts/strata');
const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

/** Metrics not registered in this repository's code, each with the reason it may appear. */
const ELSEWHERE = {
  up: 'Prometheus, per scrape target',
  redis_memory_used_bytes: 'redis_exporter, an optional panel',
  redis_commands_processed_total: 'redis_exporter, an optional panel',
  redis_cpu_sys_seconds_total: 'redis_exporter, an optional panel',
  redis_cpu_user_seconds_total: 'redis_exporter, an optional panel',
};

// ---- what the apps export -------------------------------------------------------------

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !/\.(spec|int\.spec|test-support)\.ts$/.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    // Test support (a project's test/, a lib's src/testing/, libs/testing) is never deployed.
    .filter((file) => !/(^|\/)(test|testing)\//.test(relative(root, file)));
}

/** name -> prom-client type, from `new Counter({ name: 'strata_...' ...` in apps/ and libs/. */
function registeredMetrics() {
  const found = new Map();
  for (const dir of ['apps', 'libs']) {
    for (const file of sourceFiles(join(root, dir))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) {
        found.set(m[2], m[1].toLowerCase());
      }
    }
  }
  // prom-client's process metrics, exactly as createMetricsRegistry registers them.
  const require = createRequire(join(root, 'package.json'));
  const { Registry, collectDefaultMetrics } = require('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'strata_' });
  for (const metric of registry.getMetricsAsArray()) found.set(metric.name, metric.type);
  return found;
}

/** Series names a family is queried by: histograms and summaries by their _bucket/_sum/_count. */
function seriesNames(metrics) {
  const names = new Set(Object.keys(ELSEWHERE));
  for (const [name, type] of metrics) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

// ---- metric names in PromQL -----------------------------------------------------------

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'le']);

/** The metric names an expression selects (identifiers that are not functions, keywords or labels). */
export function metricNamesIn(expr) {
  const stripped = expr
    .replace(/#[^\n]*/g, ' ') // comments
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\$\{?\w+\}?/g, ' '); // Grafana variables
  const names = [];
  for (const m of stripped.matchAll(/(?<![\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const isFunction = /^\s*\(/.test(stripped.slice(m.index + m[0].length));
    if (!isFunction && !KEYWORDS.has(m[0].toLowerCase())) names.push(m[0]);
  }
  return names;
}

function checkExpr(where, expr, known) {
  const names = metricNamesIn(expr);
  if (names.length === 0) problem(where, `selects no metric: ${expr}`);
  for (const name of names) if (!known.has(name)) problem(where, `${name} is not exported by any Strata app`);
}

// ---- dashboards -------------------------------------------------------------------------

function checkDashboard(file, known) {
  const where = relative(root, file);
  let dashboard;
  try {
    dashboard = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return problem(where, `not valid JSON: ${error.message}`);
  }
  for (const key of ['uid', 'title', 'panels', 'schemaVersion']) if (!(key in dashboard)) problem(where, `has no "${key}"`);
  if (dashboard.id !== null && dashboard.id !== undefined) problem(where, '"id" must be null, or Grafana refuses a second import');
  const variables = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
  const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
  const ids = new Set();
  let exprs = 0;
  for (const panel of panels) {
    const at = `${where} panel ${JSON.stringify(panel.title)}`;
    if (ids.has(panel.id)) problem(at, `repeats id ${panel.id}`);
    ids.add(panel.id);
    if (!panel.gridPos) problem(at, 'has no gridPos');
    if (panel.type === 'row') continue;
    if (!panel.targets?.length) problem(at, 'has no query');
    for (const target of panel.targets ?? []) {
      if (!target.expr) {
        problem(at, `target ${target.refId} has no expr`);
        continue;
      }
      exprs++;
      checkExpr(at, target.expr, known);
      for (const v of target.expr.matchAll(/\$\{?(\w+)\}?/g)) {
        if (!v[1].startsWith('__') && !variables.has(v[1])) problem(at, `uses $${v[1]}, which the dashboard does not define`);
      }
      if (target.datasource?.uid !== '${datasource}') problem(at, 'must query the ${datasource} variable, not a fixed data source');
    }
  }
  return exprs;
}

// ---- alert rules ------------------------------------------------------------------------

/** `expr:` values of a rule file: inline, or the block indented under `expr: |`. */
function ruleExprs(text) {
  const lines = text.split('\n');
  const found = [];
  let alert = '?';
  lines.forEach((line, i) => {
    const name = /^\s*- alert:\s*(\S+)/.exec(line);
    if (name) alert = name[1];
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (m[2] && !/^[|>]/.test(m[2])) return found.push({ alert, expr: m[2] });
    const body = [];
    for (let j = i + 1; j < lines.length && (lines[j].trim() === '' || lines[j].search(/\S/) > m[1].length); j++) body.push(lines[j]);
    found.push({ alert, expr: body.join('\n') });
  });
  return found;
}

function checkRules(file, known) {
  const where = relative(root, file);
  const rules = ruleExprs(readFileSync(file, 'utf8'));
  const docs = readFileSync(join(root, 'docs/operations.md'), 'utf8');
  for (const { alert, expr } of rules) {
    checkExpr(`${where} ${alert}`, expr, known);
    if (!new RegExp(`^#{2,4} ${alert}\\b`, 'm').test(docs)) problem(where, `${alert} has no section "### ${alert}" in docs/operations.md`);
  }
  return rules.length;
}

const known = seriesNames(registeredMetrics());
const dashboards = readdirSync(join(chart, 'dashboards')).filter((f) => f.endsWith('.json'));
let exprs = 0;
for (const file of dashboards) exprs += checkDashboard(join(chart, 'dashboards', file), known) ?? 0;
const rules = checkRules(join(chart, 'rules/strata-alerts.yaml'), known);
if (problems.length > 0) {
  process.stderr.write(`${problems.length} problem(s):\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`ok: ${dashboards.length} dashboard(s), ${exprs} panel queries and ${rules} alert rules use only metrics the apps export\n`);
